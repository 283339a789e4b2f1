import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the flaky service does with each request: answer 200, or fail with 500. */
export type ServicePhase = 'healthy' | 'failing';

/** A running {@link startFlakyService} server. */
export interface FlakyService {
  /** Base URL, e.g. `http://127.0.0.1:40123/`. */
  readonly url: string;
  /** The current phase; set it to change how the next requests are answered. */
  phase: ServicePhase;
  /** Requests answered so far, by status code class. */
  readonly served: { readonly ok: number; readonly failed: number };
  /** Stops listening and drops every connection, idle or not; resolves once closed. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link startFlakyService}. */
export interface FlakyServiceOptions {
  /** The phase to start in (default `'healthy'`). */
  readonly phase?: ServicePhase;
}

/**
 * Starts a tiny HTTP service on 127.0.0.1 (an ephemeral port) whose behaviour is scripted, not
 * random: while `phase` is `'healthy'` every request gets `200 {"ok":true}`, while it is
 * `'failing'` every request gets `500 {"ok":false}`. The caller flips `phase` to tell the story.
 *
 * @example
 * const service = await startFlakyService();
 * service.phase = 'failing';
 * (await fetch(service.url)).status; // 500
 * await service.close();
 */
export async function startFlakyService(options: FlakyServiceOptions = {}): Promise<FlakyService> {
  let phase: ServicePhase = options.phase ?? 'healthy';
  const served = { ok: 0, failed: 0 };

  const server = createServer((_request, response) => {
    const healthy = phase === 'healthy';
    if (healthy) served.ok++;
    else served.failed++;
    response.writeHead(healthy ? 200 : 500, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ ok: healthy }));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
    get phase() {
      return phase;
    },
    set phase(next: ServicePhase) {
      phase = next;
    },
    served,
    close() {
      if (!server.listening) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // fetch keeps connections alive; without this, close() would wait for them to idle out.
        server.closeAllConnections();
      });
    },
  };
}
