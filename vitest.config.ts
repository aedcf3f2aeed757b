import { defineConfig } from 'vitest/config';

// biome-ignore lint/style/noDefaultExport: vitest loads its configuration as a default export.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], testTimeout: 20_000 } },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        // npm run test:packaging: a clone of HEAD built and run as a fresh install would be (the
        // compiled build, npm run bench -- --tiny); kept out of npm test for its time.
        test: {
          name: 'packaging',
          include: ['tests/packaging/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          pool: 'forks',
        },
      },
      { test: { name: 'interop', include: ['tests/interop/**/*.test.ts'], testTimeout: 300_000 } },
      {
        // npm run test:ledger: against the Fabric network of `npm run fabric:up`; one file at a
        // time, since they share the network (and stop and start its processes).
        test: {
          name: 'ledger',
          include: ['tests/ledger/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
