import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The Workers suites: the shared contract and the sequencer's invariants against the gateway
// on local workerd (wrangler dev). `npm run test:workers` runs them; `npm test` does not.
// biome-ignore lint/style/noDefaultExport: vitest loads its configuration as a default export.
export default defineConfig({
  test: {
    name: 'workers',
    root: fileURLToPath(new URL('../../..', import.meta.url)),
    include: ['tests/runtime/workers/**/*.test.ts'],
    globalSetup: ['tests/runtime/workers/global-setup.ts'],
    setupFiles: ['tests/runtime/workers/fetch-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // One workerd for all files: files run one after another so counts and indices are theirs.
    fileParallelism: false,
  },
});
