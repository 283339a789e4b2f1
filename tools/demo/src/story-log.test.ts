import { ManualClock } from '@bulwark/core/testing';
import { StoryLog } from './story-log.js';

function setup(): { clock: ManualClock; story: StoryLog; lines: string[] } {
  const clock = new ManualClock(1_000_000);
  const lines: string[] = [];
  const story = new StoryLog({ clock, log: (line) => lines.push(line) });
  return { clock, story, lines };
}

describe('StoryLog', () => {
  it('collapses runs of identical events into one line, printed when the run ends', () => {
    const { clock, story, lines } = setup();
    for (let i = 0; i < 3; i++) {
      story.record('fire');
      story.record('success', { latencyMs: i * 2, detail: 'HTTP 200' });
      clock.advance(100);
    }
    expect(lines).toEqual([]);
    story.record('fire');
    story.record('failure', { latencyMs: 1, detail: 'HTTP 500' });
    expect(lines).toEqual(['+ 0.000s  success   ×3 over 0.200s: HTTP 200, latency mean 2.0ms']);
    story.flush();
    expect(lines[1]).toBe('+ 0.300s  failure   HTTP 500 in 1ms');
    story.flush();
    expect(lines).toHaveLength(2);
  });

  it('prints state changes and notes at once, after the run they interrupt', () => {
    const { clock, story, lines } = setup();
    story.record('reject', { detail: 'Breaker is open (EOPENBREAKER)' });
    clock.advance(50);
    story.record('reject', { detail: 'Breaker is open (EOPENBREAKER)' });
    story.note('service', 'now healthy');
    clock.advance(1500);
    story.record('halfOpen', { detail: 'trial next' });
    expect(lines).toEqual([
      '+ 0.000s  reject    ×2 fast-fails over 0.050s: Breaker is open (EOPENBREAKER); the service is not called',
      '+ 0.050s  service   now healthy',
      '+ 1.550s  halfOpen  trial next',
    ]);
  });

  it('tags the first call after halfOpen, and its outcome, as the trial', () => {
    const { story, lines } = setup();
    story.record('halfOpen', { detail: 'h' });
    story.record('fire');
    story.record('close', { detail: 'c' });
    story.record('success', { latencyMs: 3, detail: 'HTTP 200' });
    story.record('fire');
    story.record('success', { latencyMs: 1, detail: 'HTTP 200' });
    story.flush();
    expect(story.events.map((e) => `${e.event}${e.trial ? '*' : ''}`)).toEqual([
      'halfOpen',
      'fire*',
      'close',
      'success*',
      'fire',
      'success',
    ]);
    expect(lines.map((line) => line.slice(10))).toEqual([
      'halfOpen  h',
      'fire      trial call admitted while half-open',
      'close     c',
      'success   trial call: HTTP 200 in 3ms',
      'success   HTTP 200 in 1ms',
    ]);
  });

  it('stamps events with the time since it was created', () => {
    const { clock, story } = setup();
    clock.advance(1234);
    story.record('open');
    expect(story.events).toEqual([{ atMs: 1234, event: 'open' }]);
    expect(story.elapsedMs()).toBe(1234);
  });
});
