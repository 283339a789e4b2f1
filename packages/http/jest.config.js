/** @type {import('jest').Config} */
export default {
  displayName: '@bulwark/http',
  preset: '../../jest.preset.js',
};
