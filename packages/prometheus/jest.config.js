/** @type {import('jest').Config} */
export default {
  displayName: '@bulwark/prometheus',
  preset: '../../jest.preset.js',
};
