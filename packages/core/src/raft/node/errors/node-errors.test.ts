import { NodeStoppedError, isNodeStoppedError } from './node-stopped-error.js';
import { NotLeaderError, isNotLeaderError } from './not-leader-error.js';
import { RequestLostError, isRequestLostError } from './request-lost-error.js';

describe('RaftNode errors', () => {
  it('carry a name, a code, their data and a guard', () => {
    const notLeader = new NotLeaderError('b', 3);
    expect(notLeader).toMatchObject({ name: 'NotLeaderError', code: 'ENOTLEADER', leaderId: 'b', term: 3 });
    expect(notLeader.message).toMatch(/"b"/);
    expect(new NotLeaderError(undefined, 3).message).toMatch(/knows no leader/);
    const lost = new RequestLostError('proposal', 'overwritten', 7);
    expect(lost).toMatchObject({ name: 'RequestLostError', code: 'EREQUESTLOST', request: 'proposal', reason: 'overwritten', index: 7 });
    expect(new RequestLostError('read', 'leadership-lost', undefined).message).toMatch(/outcome unknown/);
    const cause = new Error('disk full');
    const stopped = new NodeStoppedError(cause);
    expect(stopped).toMatchObject({ name: 'NodeStoppedError', code: 'ENODESTOPPED', cause });
    expect(new NodeStoppedError().message).toBe('Raft node is stopped');
    expect([isNotLeaderError(notLeader), isRequestLostError(lost), isNodeStoppedError(stopped)]).toEqual([true, true, true]);
    expect([isNotLeaderError(lost), isRequestLostError(stopped), isNodeStoppedError(new Error('x'))]).toEqual([false, false, false]);
  });
});
