// The membership changer (Raft thesis §4.1 simple changes, §4.3 joint consensus), as etcd-io/raft's
// confchange package: the configuration after a change, or a ConfChangeError.
import fc from 'fast-check';
import type { ConfChange, ConfChangeStep } from './conf-change.js';
import { ConfChangeError, isConfChangeError } from './errors/conf-change-error.js';
import { type Membership, allMembers, allVoters, changeMembership, isJoint, toMembership } from './membership.js';

const abc = toMembership({ voters: ['a', 'b', 'c'] });
const change = (...changes: ConfChangeStep[]): ConfChange => ({ changes });
const refusal = (from: Membership, cc: ConfChange): string | undefined => {
  try {
    changeMembership(from, cc);
  } catch (error) {
    if (isConfChangeError(error)) return error.reason;
    throw error;
  }
  return undefined;
};

describe('changeMembership: simple changes (thesis §4.1)', () => {
  it('adds and removes a voter, adds, promotes and removes a learner', () => {
    const withD = changeMembership(abc, change({ type: 'add-voter', node: 'd' }));
    expect(withD).toEqual(toMembership({ voters: ['a', 'b', 'c', 'd'] }));
    expect(changeMembership(withD, change({ type: 'remove', node: 'a' })).voters).toEqual(['b', 'c', 'd']);
    const learner = changeMembership(abc, change({ type: 'add-learner', node: 'l' }));
    expect(learner).toEqual(toMembership({ voters: ['a', 'b', 'c'], learners: ['l'] }));
    expect(changeMembership(learner, change({ type: 'promote', node: 'l' }))).toEqual(toMembership({ voters: ['a', 'b', 'c', 'l'] }));
    expect(changeMembership(learner, change({ type: 'remove', node: 'l' }))).toEqual(abc);
  });

  it('demotes a voter to a learner, and add-voter on a learner promotes it (etcd)', () => {
    const demoted = changeMembership(abc, change({ type: 'add-learner', node: 'c' }));
    expect(demoted).toEqual(toMembership({ voters: ['a', 'b'], learners: ['c'] }));
    expect(changeMembership(demoted, change({ type: 'add-voter', node: 'c' })).voters).toEqual(['a', 'b', 'c']);
  });

  it('adding a voter or learner twice changes nothing', () => {
    expect(changeMembership(abc, change({ type: 'add-voter', node: 'a' }))).toEqual(abc);
    const learner = toMembership({ voters: ['a'], learners: ['l'] });
    expect(changeMembership(learner, change({ type: 'add-learner', node: 'l' }))).toEqual(learner);
  });

  it('refuses removing the last voter, promoting a non-learner, removing a stranger, and leaving a joint configuration that is not', () => {
    const solo = toMembership({ voters: ['a'] });
    expect(refusal(solo, change({ type: 'remove', node: 'a' }))).toBe('it would leave no voter');
    expect(refusal(abc, change({ type: 'promote', node: 'a' }))).toBe('promote: "a" is not a learner');
    expect(refusal(abc, change({ type: 'remove', node: 'z' }))).toBe('remove: "z" is not a member');
    expect(refusal(abc, { changes: [] })).toBe('there is no joint configuration to leave');
    const error = (() => {
      try {
        changeMembership(solo, change({ type: 'remove', node: 'a' }));
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfChangeError);
    expect([(error as ConfChangeError).code, (error as Error).message]).toEqual([
      'ERAFTCONFCHANGE',
      'Raft configuration change refused: it would leave no voter',
    ]);
  });
});

describe('changeMembership: joint consensus (thesis §4.3)', () => {
  it('several steps enter a joint configuration left automatically; leaving drops the outgoing half', () => {
    const joint = changeMembership(abc, change({ type: 'add-voter', node: 'd' }, { type: 'remove', node: 'a' }));
    expect(joint).toEqual({ voters: ['b', 'c', 'd'], votersOutgoing: ['a', 'b', 'c'], learners: [], learnersNext: [], autoLeave: true });
    expect(allVoters(joint)).toEqual(['b', 'c', 'd', 'a']);
    expect(changeMembership(joint, { changes: [] })).toEqual(toMembership({ voters: ['b', 'c', 'd'] }));
  });

  it("'joint-explicit' stays joint (autoLeave false); 'joint-implicit' goes joint even for one step", () => {
    const explicit = changeMembership(abc, { changes: [{ type: 'add-voter', node: 'd' }], transition: 'joint-explicit' });
    expect([isJoint(explicit), explicit.autoLeave]).toEqual([true, false]);
    const implicit = changeMembership(abc, { changes: [{ type: 'add-voter', node: 'd' }], transition: 'joint-implicit' });
    expect([isJoint(implicit), implicit.autoLeave]).toEqual([true, true]);
  });

  it('an outgoing voter made a learner waits in learnersNext, and becomes a learner when leaving', () => {
    const joint = changeMembership(abc, change({ type: 'add-learner', node: 'a' }, { type: 'add-voter', node: 'd' }));
    expect(joint).toMatchObject({ voters: ['b', 'c', 'd'], votersOutgoing: ['a', 'b', 'c'], learners: [], learnersNext: ['a'] });
    expect(allMembers(joint).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(changeMembership(joint, { changes: [] })).toEqual(toMembership({ voters: ['b', 'c', 'd'], learners: ['a'] }));
  });

  it('refuses another change while joint, and a joint configuration with no incoming voter', () => {
    const joint = changeMembership(abc, change({ type: 'add-voter', node: 'd' }, { type: 'add-voter', node: 'e' }));
    expect(refusal(joint, change({ type: 'add-voter', node: 'f' }))).toMatch(/the configuration is joint; leave it/);
    const emptied = change({ type: 'remove', node: 'a' }, { type: 'remove', node: 'b' }, { type: 'remove', node: 'c' });
    expect(refusal(abc, emptied)).toBe('it would leave no voter');
  });
});

describe('changeMembership: properties', () => {
  const nodes = ['a', 'b', 'c', 'd', 'e'];
  const step = fc.record({
    type: fc.constantFrom('add-voter', 'add-learner', 'promote', 'remove') as fc.Arbitrary<ConfChangeStep['type']>,
    node: fc.constantFrom(...nodes),
  });
  const confChange = fc.record({
    changes: fc.array(step, { maxLength: 3 }),
    transition: fc.constantFrom('auto', 'joint-implicit', 'joint-explicit') as fc.Arbitrary<ConfChange['transition']>,
  });

  it('any sequence of changes keeps the invariants, or is refused with a ConfChangeError and nothing else', () => {
    fc.assert(
      fc.property(fc.array(confChange, { maxLength: 12 }), (changes) => {
        let conf = abc;
        for (const cc of changes) {
          let next: Membership;
          try {
            next = changeMembership(conf, cc);
          } catch (error) {
            expect(isConfChangeError(error)).toBe(true);
            continue;
          }
          const voters = allVoters(next);
          expect(next.voters.length).toBeGreaterThan(0);
          expect(next.learners.filter((id) => voters.includes(id))).toEqual([]);
          expect(next.learnersNext.every((id) => next.votersOutgoing.includes(id) && !next.voters.includes(id))).toBe(true);
          if (!isJoint(next)) expect([next.learnersNext, next.autoLeave]).toEqual([[], false]);
          if (!isJoint(conf) && !isJoint(next)) {
            // A simple change moves at most one voter (thesis §4.1).
            const moved = [...new Set([...conf.voters, ...next.voters])].filter((id) => conf.voters.includes(id) !== next.voters.includes(id));
            expect(moved.length).toBeLessThanOrEqual(1);
          }
          if (isJoint(next) && !isJoint(conf)) expect(next.votersOutgoing).toEqual(conf.voters);
          conf = next;
        }
      }),
    );
  });
});
