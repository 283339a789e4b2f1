/** @type {import('jest').Config} */
export default {
  displayName: '@bulwark/express',
  preset: '../../jest.preset.js',
};
