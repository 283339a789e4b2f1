import { checkSaga } from './test-participants.js';
import { runWithCrashes, type Scenario } from './test-crash-harness.js';

/**
 * Crash the orchestrator at every write step of its log (CrashFs: every write, fsync, create,
 * rename, unlink and directory fsync), restart it on the disk the crash left, resume, and check
 * the saga guarantees at the participants. The participants live on: they are other services.
 */
const scenarios: Scenario[] = [
  {
    name: 'completes despite a lost reply and a timeout',
    shape: { steps: 3 },
    fates: (kind, step, call) => (kind === 'action' && call === 1 ? (step === 0 ? 'lose-reply' : step === 1 ? 'hang' : 'ok') : 'ok'),
    expected: 'completed',
  },
  {
    name: 'compensates when the last step fails (a compensation reply lost on the way)',
    shape: { steps: 3 },
    fates: (kind, step, call) => (kind === 'action' ? (step === 2 ? 'fail' : 'ok') : step === 0 && call === 1 ? 'lose-reply' : 'ok'),
    expected: 'compensated',
  },
  {
    name: 'compensates the failed step when its last attempt timed out after taking effect',
    shape: { steps: 2, maxAttempts: 2 },
    fates: (kind, step) => (kind === 'action' && step === 1 ? 'hang' : 'ok'),
    expected: 'compensated',
  },
  {
    name: 'goes forward after the pivot, retrying a failing step in rounds',
    shape: { steps: 4, pivot: 1, maxAttempts: 2 },
    fates: (kind, step, call) => (kind === 'action' && step === 2 && call <= 3 ? 'fail' : 'ok'),
    expected: 'completed',
  },
  {
    name: 'compensates the pivot and before when the pivot is in doubt',
    shape: { steps: 3, pivot: 1, maxAttempts: 2 },
    fates: (kind, step) => (kind === 'action' && step === 1 ? 'lose-reply' : 'ok'),
    expected: 'compensated',
  },
  {
    name: 'two sagas with log compaction in between',
    shape: { steps: 2 },
    fates: (kind, step, call) => (kind === 'action' && step === 1 && call === 1 ? 'lose-reply' : 'ok'),
    expected: 'completed',
    sagas: 2,
    compactAfterRecords: 5,
    maxEndedSagas: 1,
  },
  {
    name: 'cancels at the saga deadline a step that keeps hanging, and compensates it',
    shape: { steps: 3, maxAttempts: 5, timeoutMs: 1_000 },
    fates: (kind, step) => (kind === 'action' && step === 1 ? 'hang' : 'ok'),
    expected: 'compensated',
    sagaTimeoutMs: 2_500,
  },
  {
    name: 'three concurrent sagas sharing one log',
    shape: { steps: 2 },
    fates: (kind, step, call) => (kind === 'action' && step === 0 && call === 1 ? 'hang' : 'ok'),
    expected: 'completed',
    sagas: 3,
    concurrent: true,
  },
];

describe('sagas under orchestrator crashes (CrashFs, every write step)', () => {
  it.each(scenarios)('$name', async (scenario) => {
    const clean = await runWithCrashes(scenario, [], 1);
    expect([...clean.known.values()]).toEqual(Array(scenario.sagas ?? 1).fill(scenario.expected));
    const total = clean.steps;
    expect(total).toBeGreaterThan(5);
    for (let crashAt = 1; crashAt <= total; crashAt++) {
      const { world: w, known, crashes } = await runWithCrashes(scenario, [crashAt], crashAt);
      expect(crashes).toBe(1);
      for (const [id, status] of known) {
        const problems = checkSaga(id, status as 'completed' | 'compensated', w.participants, scenario.shape);
        if (problems.length > 0 || status !== scenario.expected) {
          throw new Error(`crash at step ${crashAt} of ${total}: ${id} ${status} (expected ${scenario.expected}): ${problems.join('; ')}`);
        }
      }
      expect(known.size).toBe(scenario.sagas ?? 1);
    }
  });
});
