// The examples are what a user of the package writes, so they import it by its published name
// ('@bulwark/redis'), which the package's own lint forbids inside the package. They are also
// mirrored byte for byte in README.md, so no disable comment goes in them.
import base from '../eslint.config.mjs';

export default [...base, { files: ['**/*.ts'], rules: { '@nx/enforce-module-boundaries': 'off' } }];
