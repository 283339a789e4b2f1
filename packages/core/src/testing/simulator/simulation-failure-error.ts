import { BulwarkError, errorGuard, nameErrorClass } from '../../errors/bulwark-error.js';

/**
 * What failed in a simulation: a Raft safety property, liveness after the faults healed, the
 * linearizability of the client history, or an exception thrown inside the run (a node
 * threw, say).
 */
export type SimulationFailureKind = 'safety' | 'liveness' | 'linearizability' | 'exception';

/**
 * A simulated run broke a property. The message names the seed, the property and a one-line
 * command that replays the run exactly (`replay`); `trace` holds the run's faults and client
 * events up to the failure, and `cause` the underlying error.
 *
 * @example
 * try {
 *   runRaftSimulation({ seed: 7 });
 * } catch (error) {
 *   if (isSimulationFailureError(error)) console.error(error.message, error.trace.slice(-20).join('\n'));
 * }
 */
export class SimulationFailureError extends BulwarkError {
  readonly code = 'ESIMULATIONFAILED' as const;

  /**
   * @param seed the run's seed
   * @param kind what kind of property failed
   * @param property the property's name (`'Election Safety'`, `'linearizability'`, …)
   * @param detail what happened
   * @param replay the command that replays the run
   * @param atMs the virtual time of the failure
   * @param trace the run's faults and client events so far, one per line
   * @param options `cause`: the underlying error
   */
  constructor(
    readonly seed: number,
    readonly kind: SimulationFailureKind,
    readonly property: string,
    readonly detail: string,
    readonly replay: string,
    readonly atMs: number,
    readonly trace: readonly string[],
    options?: { readonly cause?: unknown },
  ) {
    super(`Raft simulation failed at seed ${seed}, ${atMs} ms: ${property}: ${detail}\n  replay: ${replay}`, options);
  }
}
nameErrorClass(SimulationFailureError);

/** True when `value` is a {@link SimulationFailureError} from any copy of Bulwark. */
export const isSimulationFailureError = errorGuard<SimulationFailureError>('ESIMULATIONFAILED');
