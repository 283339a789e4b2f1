/** @type {import('jest').Config} */
export default {
  displayName: '@bulwark/fetch',
  preset: '../../jest.preset.js',
};
