import { defineConfig } from 'vitest/config';

// biome-ignore lint/style/noDefaultExport: vitest loads the default export of its config.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // fabric-contract-api logs every decorator at info level.
    env: { CORE_CHAINCODE_LOGGING_LEVEL: 'WARNING' },
  },
});
