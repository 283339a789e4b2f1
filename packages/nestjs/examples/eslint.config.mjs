// The examples are what a user of the package writes, so they import it by its published name
// ('@bulwark/nestjs', '@bulwark/nestjs/terminus'), which the package's own lint forbids inside the
// package. They are also mirrored byte for byte in README.md, so no disable comment goes in them.
// They inject by constructor type, as Nest users do: with decorator metadata on, those imports
// are values, which consistent-type-imports knows once told about the compiler options.
import base from '../eslint.config.mjs';

export default [
  ...base,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { emitDecoratorMetadata: true, experimentalDecorators: true } },
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
];
