/** @type {import('jest').Config} */
export default {
  displayName: 'cluster',
  preset: '../../jest.preset.js',
};
