/** @type {import('jest').Config} */
export default {
  displayName: '@bulwark/bench',
  preset: '../../jest.preset.js',
};
