import { BulkheadRejectedError, NodeStoppedError, NotLeaderError, ProposalDroppedError, RequestLostError, TimeoutError } from '@bulwark/core';
import { replyForError } from './reply.js';

const error = (reply: ReturnType<typeof replyForError>) => (reply.body as { error: Record<string, unknown> }).error;

describe('replyForError', () => {
  it('answers 503 with Retry-After and the outcome of a write, by what the error says of it', () => {
    const cases: Array<[unknown, string, string]> = [
      [new NotLeaderError(undefined, 3), 'ENOLEADER', 'not-applied'],
      [new NotLeaderError('b', 3), 'ENOTLEADER', 'not-applied'],
      [new RequestLostError('proposal', 'overwritten', 7), 'EREQUESTLOST', 'not-applied'],
      [new RequestLostError('proposal', 'leadership-lost', 7), 'EREQUESTLOST', 'unknown'],
      [new NodeStoppedError(), 'ESTOPPED', 'unknown'],
      [new TimeoutError(10_000), 'ETIMEDOUT', 'unknown'],
    ];
    for (const [e, code, outcome] of cases) {
      const reply = replyForError(e, true);
      expect({ status: reply.status, retryAfter: reply.headers?.['retry-after'], code: error(reply).code, outcome: error(reply).outcome }).toEqual({
        status: 503,
        retryAfter: '1',
        code,
        outcome,
      });
    }
  });

  it('leaves the outcome out for a read', () => {
    expect(error(replyForError(new RequestLostError('read', 'leadership-lost', undefined), false)).outcome).toBeUndefined();
  });

  it('maps policy rejections through @bulwark/http, and anything else to a 500 that hides its cause', () => {
    const full = replyForError(new BulkheadRejectedError('full'), true);
    expect(full.status).toBe(503);
    expect(error(full)).toMatchObject({ code: 'EBULKHEADREJECTED', outcome: 'not-applied' });
    const dropped = replyForError(new ProposalDroppedError('transferring', undefined, 2), true);
    expect(error(dropped)).toMatchObject({ code: 'EPROPOSALDROPPED', outcome: 'not-applied' });
    expect(replyForError(new Error('secret detail'), false)).toEqual({ status: 500, body: { error: { code: 'EINTERNAL', message: 'internal error' } } });
  });
});
