import { packageVersion } from './env.js';

describe('packageVersion', () => {
  it('reads the version of an installed package', () => {
    expect(packageVersion('cockatiel')).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('finds the package.json of a package whose exports hide it', () => {
    // p-retry's exports map has no "./package.json" entry.
    expect(packageVersion('p-retry')).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('answers "?" for a package that is not installed', () => {
    expect(packageVersion('no-such-package-bulwark-bench')).toBe('?');
  });
});
