/** @type {import('jest').Config} */
export default {
  displayName: '@bulwark/demo',
  preset: '../../jest.preset.js',
};
