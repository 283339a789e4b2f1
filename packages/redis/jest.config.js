/** @type {import('jest').Config} */
export default {
  displayName: '@bulwark/redis',
  preset: '../../jest.preset.js',
};
