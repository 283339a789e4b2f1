/**
 * The servers the http suite measures, shared by the suite (labels, notes) and the server
 * script (which app to build). Every one answers `GET /` with 200 and the body `hello`.
 */

/** Which server a child process builds. */
export type HttpCaseId = 'express' | 'express-bulwark' | 'nest' | 'nest-bulwark';

/** What the suite knows about one server. */
export interface HttpCase {
  readonly id: HttpCaseId;
  /** Label in the tables. */
  readonly label: string;
  /** What the server does, for the notes above the tables. */
  readonly what: string;
  /** The policy kinds its registry must hold once it has served a request (none for the plain servers). */
  readonly policies: readonly ('breaker' | 'bulkhead')[];
}

/** The bulkhead options of both Bulwark cases: so large that no request is ever shed. */
export const BULKHEAD_OPTIONS = { maxConcurrent: 1000, maxQueued: 0 } as const;

/** The body every server answers with. */
export const HELLO = 'hello';

/** Every case, in the order the first round runs them. */
export const HTTP_CASES: readonly HttpCase[] = [
  {
    id: 'express',
    label: 'Express',
    what: "Express 5: `app.get('/', (req, res) => { res.send('hello'); })`.",
    policies: [],
  },
  {
    id: 'express-bulwark',
    label: 'Express + bulkhead + circuitBreaker',
    what:
      "The same with @bulwark/express in front of the handler, outermost first as in @bulwark/nestjs's order: " +
      "`app.get('/', bulkhead({ maxConcurrent: 1000, maxQueued: 0, registry }), circuitBreaker({ registry }), hello)` " +
      '(the middleware breaker has no per-call timeout by default; names derived from the route).',
    policies: ['bulkhead', 'breaker'],
  },
  {
    id: 'nest',
    label: 'Nest',
    what: "Nest 12 on @nestjs/platform-express: one controller, `@Get() hello() { return 'hello'; }`, logger off.",
    policies: [],
  },
  {
    id: 'nest-bulwark',
    label: 'Nest + @Bulkhead + @CircuitBreaker',
    what:
      'The same controller with `@Bulkhead({ maxConcurrent: 1000, maxQueued: 0 })` and `@CircuitBreaker()` on the handler, ' +
      "and `BulwarkModule.forRoot({ registry, metrics: false })` (its global interceptor runs for every handler; no /metrics route). " +
      "The decorator's breaker has core's default per-call timeout (10 s, never reached).",
    policies: ['bulkhead', 'breaker'],
  },
];

/**
 * The case of that id.
 *
 * @throws TypeError for an unknown id, listing the known ones
 */
export function httpCase(id: string): HttpCase {
  const found = HTTP_CASES.find((c) => c.id === id);
  if (found === undefined) throw new TypeError(`unknown http case ${JSON.stringify(id)}; known: ${HTTP_CASES.map((c) => c.id).join(', ')}`);
  return found;
}
