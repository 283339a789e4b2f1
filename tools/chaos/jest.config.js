/** @type {import('jest').Config} */
export default {
  displayName: '@bulwark/chaos',
  preset: '../../jest.preset.js',
};
