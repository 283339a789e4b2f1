import type { ClientId, HistoryOperation } from './history-operation.js';

/**
 * One event of a Jepsen-style history: a process invokes an operation, then completes it with
 * `ok` (it took effect and returned `output`), `fail` (it certainly did not take effect) or
 * `info` (indeterminate: it may or may not have taken effect, as after a timeout or crash).
 */
export type HistoryEvent<Input, Output> =
  | { readonly process: ClientId; readonly type: 'invoke'; readonly input: Input }
  | { readonly process: ClientId; readonly type: 'ok'; readonly output?: Output }
  | { readonly process: ClientId; readonly type: 'fail' | 'info' };

interface Pending<I> {
  readonly input: I;
  readonly call: number;
  readonly slot: number;
}

/**
 * Turns an event list into operations for {@link checkLinearizability}. An event's position in
 * the list is its time, so the list must be in real-time order. A `fail`ed operation is dropped;
 * an `info` one, or one still open at the end of the list, has an unknown outcome
 * (`return: Infinity`). Operations come out in the order they were invoked.
 *
 * @throws TypeError if a process invokes while its previous operation is open, completes an
 *   operation it did not invoke, or an event has another `type`
 * @example
 * operationsFromEvents([
 *   { process: 0, type: 'invoke', input: { op: 'get', key: 'x' } },
 *   { process: 1, type: 'invoke', input: { op: 'put', key: 'x', value: 'a' } },
 *   { process: 0, type: 'ok', output: '' },
 *   { process: 1, type: 'info' },
 * ]);
 * // [{ clientId: 0, …, output: '', call: 0, return: 2 },
 * //  { clientId: 1, …, call: 1, return: Infinity, unknown: true }]
 */
export function operationsFromEvents<I, O>(events: readonly HistoryEvent<I, O>[]): HistoryOperation<I, O>[] {
  const open = new Map<ClientId, Pending<I>>();
  const slots: Array<HistoryOperation<I, O> | undefined> = [];
  events.forEach((event, time) => {
    const { process } = event;
    const pending = open.get(process);
    if (event.type === 'invoke') {
      if (pending !== undefined) {
        throw new TypeError(`operationsFromEvents: event ${time}: process ${String(process)} invokes while its operation invoked at event ${pending.call} is open`);
      }
      open.set(process, { input: event.input, call: time, slot: slots.length });
      slots.push(undefined);
      return;
    }
    if (event.type !== 'ok' && event.type !== 'fail' && event.type !== 'info') {
      throw new TypeError(`operationsFromEvents: event ${time} has type ${JSON.stringify((event as { type?: unknown }).type)}; expected invoke, ok, fail or info`);
    }
    if (pending === undefined) {
      throw new TypeError(`operationsFromEvents: event ${time}: process ${String(process)} completes (${event.type}) with no operation open`);
    }
    open.delete(process);
    const base = { clientId: process, input: pending.input, call: pending.call };
    if (event.type === 'ok') slots[pending.slot] = { ...base, output: event.output, return: time };
    else if (event.type === 'info') slots[pending.slot] = { ...base, return: Infinity, unknown: true };
  });
  for (const [process, pending] of open) {
    slots[pending.slot] = { clientId: process, input: pending.input, call: pending.call, return: Infinity, unknown: true };
  }
  return slots.filter((operation) => operation !== undefined);
}
