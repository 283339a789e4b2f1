// The chaos run against real member processes of the built cluster app (apps/cluster/dist),
// started through its launcher. Run by this project's `e2e` target (after this tool's and the
// app's builds), which its `test` target depends on, so `npm test` runs it.
/** @type {import('jest').Config} */
export default {
  displayName: 'chaos-e2e',
  preset: '../../../jest.preset.js',
  testMatch: ['<rootDir>/**/*.e2e.test.ts'],
  maxWorkers: 1,
  // The run's own waits are bounded (30 s of load, 30 s to recover, 60 s for the first leader); this is the backstop.
  testTimeout: 240_000,
};
