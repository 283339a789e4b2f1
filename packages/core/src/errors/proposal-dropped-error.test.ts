import { BulwarkError, isBulwarkError } from './bulwark-error.js';
import { ProposalDroppedError, isProposalDroppedError } from './proposal-dropped-error.js';
import { TimeoutError } from './timeout-error.js';

describe('ProposalDroppedError', () => {
  it('is a BulwarkError with a name, the code EPROPOSALDROPPED and its data', () => {
    const error = new ProposalDroppedError('not-leader', 'b', 3);
    expect(error).toBeInstanceOf(BulwarkError);
    expect(isBulwarkError(error)).toBe(true);
    expect(error.name).toBe('ProposalDroppedError');
    expect(error.code).toBe('EPROPOSALDROPPED');
    expect(error.reason).toBe('not-leader');
    expect(error.leaderId).toBe('b');
    expect(error.term).toBe(3);
    expect(error.message).toMatch(/leader of term 3 is "b"/);
    expect(new ProposalDroppedError('not-leader', undefined, 2).message).toMatch(/knows no leader in term 2/);
    expect(new ProposalDroppedError('transferring', 'a', 4).message).toBe(
      'Raft proposal dropped: this leader is transferring leadership (term 4)',
    );
    expect(new ProposalDroppedError('conf-change-pending', 'a', 4).message).toBe(
      'Raft proposal dropped: an earlier configuration change is not applied yet (term 4)',
    );
    expect(new ProposalDroppedError('uncommitted-limit', 'a', 4).message).toBe(
      'Raft proposal dropped: the leader holds maxUncommittedBytes of uncommitted commands already (term 4)',
    );
  });

  it('isProposalDroppedError() accepts it, also from another copy, and rejects everything else', () => {
    expect(isProposalDroppedError(new ProposalDroppedError('not-leader', undefined, 1))).toBe(true);
    const foreign = Object.assign(Object.create({ [Symbol.for('@bulwark/core/error')]: true }) as object, {
      code: 'EPROPOSALDROPPED',
    });
    expect(isProposalDroppedError(foreign)).toBe(true);
    for (const value of [Object.assign(new Error('x'), { code: 'EPROPOSALDROPPED' }), new TimeoutError(5), null]) {
      expect(isProposalDroppedError(value)).toBe(false);
    }
  });
});
