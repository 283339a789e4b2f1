/** @type {import('jest').Config} */
export default {
  displayName: '@bulwark/core',
  preset: '../../jest.preset.js',
};
