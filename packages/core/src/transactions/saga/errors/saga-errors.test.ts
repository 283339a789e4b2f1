import { isBulwarkError } from '../../../errors/bulwark-error.js';
import { InvalidStepResultError, isInvalidStepResultError } from './invalid-step-result-error.js';
import { SagaDefinitionMismatchError, isSagaDefinitionMismatchError } from './saga-definition-mismatch-error.js';
import { SagaIdConflictError, isSagaIdConflictError } from './saga-id-conflict-error.js';
import { SagaLogCorruptionError, isSagaLogCorruptionError } from './saga-log-corruption-error.js';
import { SagaOrchestratorStoppedError, isSagaOrchestratorStoppedError } from './saga-orchestrator-stopped-error.js';

describe('saga errors', () => {
  const errors = [
    [new SagaLogCorruptionError(3, 'bad'), isSagaLogCorruptionError, { name: 'SagaLogCorruptionError', code: 'ESAGALOGCORRUPT', index: 3, reason: 'bad' }, /record 3 is corrupt: bad/],
    [
      new SagaDefinitionMismatchError('o1', 'orders', 'gone'),
      isSagaDefinitionMismatchError,
      { name: 'SagaDefinitionMismatchError', code: 'ESAGAMISMATCH', sagaId: 'o1', saga: 'orders', reason: 'gone' },
      /"o1" \("orders"\) cannot be resumed: gone/,
    ],
    [
      new SagaIdConflictError('o1', 'orders', 'refunds'),
      isSagaIdConflictError,
      { name: 'SagaIdConflictError', code: 'ESAGAIDCONFLICT', sagaId: 'o1', existing: 'orders', requested: 'refunds' },
      /"o1" already names a "orders" saga, not "refunds"/,
    ],

    [new InvalidStepResultError('charge', 'too big'), isInvalidStepResultError, { name: 'InvalidStepResultError', code: 'EINVALIDSTEPRESULT', step: 'charge', reason: 'too big' }, /"charge".*: too big/],
    [new SagaOrchestratorStoppedError(), isSagaOrchestratorStoppedError, { name: 'SagaOrchestratorStoppedError', code: 'ESAGASTOPPED' }, /^Saga orchestrator is stopped$/],
  ] as const;

  it.each(errors)('%s carries a name, a code, its data and a message', (error, _guard, fields, message) => {
    expect(error).toBeInstanceOf(Error);
    expect(isBulwarkError(error)).toBe(true);
    expect(error).toMatchObject(fields);
    expect(error.message).toMatch(message);
  });

  it('SagaIdConflictError tells a forgotten id (records still in the log) from one of another saga', () => {
    const error = new SagaIdConflictError('o2', 'orders', 'orders', true);
    expect(isSagaIdConflictError(error)).toBe(true);
    expect(error).toMatchObject({ name: 'SagaIdConflictError', code: 'ESAGAIDCONFLICT', sagaId: 'o2', existing: 'orders', requested: 'orders', forgotten: true });
    expect(error.message).toMatch(/"o2" named a "orders" saga that ended and was forgotten; its records stay in the log until the next compaction/);
    expect(new SagaIdConflictError('o1', 'orders', 'refunds').forgotten).toBe(false);
  });

  it('each guard accepts its own error only', () => {
    for (const [error, guard] of errors) {
      for (const [other] of errors) expect(guard(other)).toBe(other === error);
      expect(guard(Object.assign(new Error('x'), { code: error.code }))).toBe(false);
      expect(guard(undefined)).toBe(false);
    }
  });

  it('SagaOrchestratorStoppedError keeps the failure that stopped it', () => {
    const cause = new Error('disk full');
    const error = new SagaOrchestratorStoppedError(cause);
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('Saga orchestrator stopped after a failure: Error: disk full');
    expect('cause' in new SagaOrchestratorStoppedError()).toBe(false);
  });
});
