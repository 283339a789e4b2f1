import nx from '@nx/eslint-plugin';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/out-tsc', '**/coverage', '**/.nx', '**/test-fixtures/**'] },
  {
    files: ['**/*.ts', '**/*.js', '**/*.cjs', '**/*.mjs'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
          depConstraints: [
            // Core is the bottom of the graph: it depends on nothing of ours.
            {
              sourceTag: 'scope:core',
              onlyDependOnLibsWithTags: ['scope:core'],
              notDependOnLibsWithTags: ['scope:adapter', 'scope:app', 'scope:tool'],
            },
            { sourceTag: 'scope:adapter', onlyDependOnLibsWithTags: ['scope:core', 'scope:adapter'] },
            { sourceTag: 'scope:app', onlyDependOnLibsWithTags: ['scope:core', 'scope:adapter'] },
            { sourceTag: 'scope:tool', onlyDependOnLibsWithTags: ['scope:core', 'scope:adapter'] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    rules: { '@typescript-eslint/consistent-type-imports': 'error' },
  },
  {
    // Each package.json must declare what its build imports.
    files: ['**/*.json'],
    languageOptions: { parser: await import('jsonc-eslint-parser') },
    rules: {
      '@nx/dependency-checks': [
        'error',
        { ignoredDependencies: ['@nestjs/platform-express', 'reflect-metadata', 'rxjs'] },
      ],
    },
  },
  { files: ['**/jest.config.js', 'jest.preset.js'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
];
