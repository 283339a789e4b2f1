import { checkConfChange, decodeConfChange, encodeConfChange, entersJoint, leavesJoint } from './conf-change.js';

describe('ConfChange', () => {
  it('round-trips through a conf-change entry’s data, context included', () => {
    const change = { changes: [{ type: 'add-voter', node: 'd' }, { type: 'remove', node: 'a' }], context: 'd=10.0.0.4' } as const;
    expect(decodeConfChange(encodeConfChange(change))).toEqual({ ...change, transition: 'auto' });
    expect(decodeConfChange(encodeConfChange({ changes: [] }))).toEqual({ changes: [], transition: 'auto' });
  });

  it('tells simple, joint and leaving changes apart', () => {
    expect(entersJoint({ changes: [{ type: 'add-voter', node: 'd' }] })).toEqual({ joint: false, autoLeave: false });
    expect(entersJoint({ changes: [{ type: 'add-voter', node: 'd' }, { type: 'remove', node: 'a' }] })).toEqual({ joint: true, autoLeave: true });
    expect(entersJoint({ changes: [{ type: 'add-voter', node: 'd' }], transition: 'joint-explicit' })).toEqual({ joint: true, autoLeave: false });
    expect(entersJoint({ changes: [] })).toEqual({ joint: false, autoLeave: false });
    expect([leavesJoint({ changes: [] }), leavesJoint({ changes: [{ type: 'remove', node: 'a' }] })]).toEqual([true, false]);
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', null, /must be \{ changes: \[\.\.\.\] \}, got null/],
    ['no changes', {}, /must be \{ changes/],
    ['an unknown step type', { changes: [{ type: 'add', node: 'd' }] }, /changes\[0\]\.type must be 'add-voter', 'add-learner', 'promote' or 'remove'/],
    ['an empty node', { changes: [{ type: 'remove', node: '' }] }, /changes\[0\]\.node must be a non-empty string, got ""/],
    ['a bad transition', { changes: [], transition: 'fast' }, /transition must be 'auto', 'joint-implicit' or 'joint-explicit', got "fast"/],
    ['a context that is not a string', { changes: [], context: 1 }, /context must be a string, got 1/],
  ])('checkConfChange refuses %s with a TypeError', (_what, change, pattern) => {
    expect(() => checkConfChange(change as never)).toThrow(TypeError);
    expect(() => checkConfChange(change as never)).toThrow(pattern);
  });

  it('decodeConfChange refuses data that is not an encoded change', () => {
    expect(() => decodeConfChange(new TextEncoder().encode('x=1'))).toThrow(/not an encoded configuration change/);
    expect(() => decodeConfChange(new TextEncoder().encode('{"changes":3}'))).toThrow(/decodeConfChange: a configuration change must be/);
    expect(() => decodeConfChange('{}' as never)).toThrow(/data must be a Uint8Array/);
  });
});
