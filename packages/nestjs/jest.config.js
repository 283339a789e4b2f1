/** @type {import('jest').Config} */
export default {
  displayName: '@bulwark/nestjs',
  preset: '../../jest.preset.js',
};
