import { ElectionLog } from './election-log.js';

describe('ElectionLog', () => {
  it('records changes of term or leader, newest first, folding an election into the leader it found', () => {
    const log = new ElectionLog();
    log.observe(0, undefined, 0);
    log.observe(0, undefined, 5); // no change
    log.observe(1, undefined, 1000); // an election in term 1…
    log.observe(1, 'a', 1200); // …found a: replaces the "unknown" record of term 1
    log.observe(2, 'b', 5000);
    expect(log.recent()).toEqual([
      { term: 2, leader: 'b', at: '1970-01-01T00:00:05.000Z' },
      { term: 1, leader: 'a', at: '1970-01-01T00:00:01.200Z' },
      { term: 0, leader: null, at: '1970-01-01T00:00:00.000Z' },
    ]);
  });

  it('keeps at most max records', () => {
    const log = new ElectionLog(3);
    for (let term = 1; term <= 10; term++) log.observe(term, 'a', term);
    expect(log.recent().map((r) => r.term)).toEqual([10, 9, 8]);
  });
});
