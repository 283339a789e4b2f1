import base from '../../eslint.config.mjs';

export default [
  ...base,
  {
    // `redis` is a peer dependency: the caller creates the client and passes it in, so the source
    // imports only its types, which @nx/dependency-checks does not count as a use.
    files: ['**/*.json'],
    rules: { '@nx/dependency-checks': ['error', { ignoredDependencies: ['redis'] }] },
  },
];
