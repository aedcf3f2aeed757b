import { defineConfig } from 'vitest/config';

// biome-ignore lint/style/noDefaultExport: vitest loads the default export of its config.
export default defineConfig({
  resolve: {
    // The shared ../src/core files import @noble/*: take this package's pinned copies, as
    // dist does at run time (a clean clone has no root node_modules to find them in).
    alias: [
      { find: /^@noble\/(hashes|curves)\//, replacement: `${import.meta.dirname}/node_modules/@noble/$1/` },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // fabric-contract-api logs every decorator at info level.
    env: { CORE_CHAINCODE_LOGGING_LEVEL: 'WARNING' },
  },
});
