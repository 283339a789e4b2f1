/** One request the fake received. */
export interface FakeCall {
  readonly request: Request;
  /** The signal the request was sent with. */
  readonly signal: AbortSignal | undefined;
  /** The init it was sent with. */
  readonly init: RequestInit | undefined;
  /** The request body as text ('' for none). */
  readonly body: string;
  /** When it was sent, on the clock given to the fake (0 without one). */
  readonly at: number;
}

/** A response the fake sent, and whether its body was cancelled. */
export interface SentResponse {
  readonly response: Response;
  readonly cancelled: () => boolean;
}

type Step =
  | { readonly kind: 'status'; readonly status: number; readonly headers: Record<string, string> }
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'hang' };

/**
 * A scripted stand-in for fetch: each request takes the next step of the script (a status, an
 * error, or a hang that ends only when its signal aborts); once the script runs out, 200.
 * Bodies are streams that record whether they were cancelled.
 */
export class FakeFetch {
  readonly calls: FakeCall[] = [];
  readonly sent: SentResponse[] = [];
  private readonly script: Step[] = [];

  /** @param clock stamps each call's `at` */
  constructor(private readonly clock?: { now(): number }) {}

  /** Queues a response with `status` and `headers` (body: `status <n>`). */
  respond(status: number, headers: Record<string, string> = {}): this {
    this.script.push({ kind: 'status', status, headers });
    return this;
  }

  /** Queues a rejection with `error`. */
  fail(error: unknown): this {
    this.script.push({ kind: 'error', error });
    return this;
  }

  /** Queues a request that never answers; it rejects with the signal's reason when that aborts. */
  hang(): this {
    this.script.push({ kind: 'hang' });
    return this;
  }

  /** The fetch to pass as `options.fetch`. */
  readonly fetch = (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const signal = init?.signal ?? undefined;
    const step = this.script.shift() ?? ({ kind: 'status', status: 200, headers: {} } as const);
    const at = this.clock?.now() ?? 0;
    this.calls.push({ request, signal, init, at, body: request.body === null ? '' : await request.clone().text() });
    if (signal?.aborted) throw signal.reason;
    switch (step.kind) {
      case 'error':
        throw step.error;
      case 'hang':
        return new Promise<Response>((_, reject) => {
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
        });
      case 'status':
        return this.response(step.status, step.headers);
    }
  }) as typeof fetch;

  private response(status: number, headers: Record<string, string>): Response {
    let cancelled = false;
    const bytes = new TextEncoder().encode(`status ${status}`);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
      cancel() {
        cancelled = true;
      },
    });
    const response = new Response(status === 204 || status === 304 ? null : body, { status, headers });
    this.sent.push({ response, cancelled: () => cancelled });
    return response;
  }
}
