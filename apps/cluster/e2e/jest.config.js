// The multi-process end-to-end tests: real member processes of the built app (apps/cluster/dist),
// started through the launcher, and headless Chromium on the status page. Run by the cluster
// project's `e2e` target (after `build`), which its `test` target depends on, so `npm test` runs them.
/** @type {import('jest').Config} */
export default {
  displayName: 'cluster-e2e',
  preset: '../../../jest.preset.js',
  testMatch: ['<rootDir>/**/*.e2e.test.ts'],
  // One file at a time: each starts its own cluster, and the machine has 2 cores.
  maxWorkers: 1,
  // Bounded waits inside the tests fail first, with a message; this is the backstop.
  testTimeout: 90_000,
};
