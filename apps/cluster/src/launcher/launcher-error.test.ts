import { isBulwarkError } from '@bulwark/core';
import { LauncherError, isLauncherError } from './launcher-error.js';

describe('LauncherError', () => {
  it('carries a name, a code, a reason, the member and a guard', () => {
    const error = new LauncherError('noLeader', 'no leader', 'n2');
    expect(error).toMatchObject({ name: 'LauncherError', code: 'ELAUNCHER', reason: 'noLeader', memberId: 'n2', message: 'no leader' });
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toBe('LauncherError: no leader');
    expect(new LauncherError('invalidOptions', 'bad').memberId).toBeUndefined();
    expect([isLauncherError(error), isBulwarkError(error)]).toEqual([true, true]);
    expect([isLauncherError(new Error('x')), isLauncherError({ code: 'ELAUNCHER' }), isLauncherError(undefined)]).toEqual([false, false, false]);
  });
});
