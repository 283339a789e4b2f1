// Shared Jest settings; each project sets `preset: "../../jest.preset.js"` in its jest.config.js.
// ESM mode: the packages are "type": "module", so tests run as native ES modules.
// Needs `node --experimental-vm-modules` (set through NODE_OPTIONS in nx.json targetDefaults.test).
// Transformer: @swc/jest emitting ES modules, with legacy decorators + decorator metadata (NestJS).
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  extensionsToTreatAsEsm: ['.ts'],
  // TS sources import siblings as './x.js' (nodenext + ESM); point Jest at the .ts file.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        swcrc: false,
        sourceMaps: 'inline',
        module: { type: 'es6' },
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          keepClassNames: true,
        },
      },
    ],
  },
  // Resolve workspace packages to their TypeScript sources (the "@bulwark/source" export
  // condition), so tests never need a prior build of their dependencies.
  testEnvironmentOptions: { customExportConditions: ['@bulwark/source', 'node', 'node-addons'] },
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/out-tsc/'],
  coverageDirectory: '<rootDir>/coverage',
  // CI runs every project's suite at once on 2 cores: a property test that takes 2 s alone can
  // take 5 s (Jest's default limit) under that load. A hung test still fails, after 30 s.
  testTimeout: 30_000,
};
