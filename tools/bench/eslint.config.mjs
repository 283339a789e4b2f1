import base from '../../eslint.config.mjs';

export default [
  ...base,
  {
    // mitata is installed for suites that prefer its measure() loop; the breaker suite uses
    // the hand-written harness in src/harness.ts, so no build file imports mitata yet.
    files: ['**/*.json'],
    rules: {
      '@nx/dependency-checks': [
        'error',
        { ignoredDependencies: ['@nestjs/platform-express', 'reflect-metadata', 'rxjs', 'mitata'] },
      ],
    },
  },
];
