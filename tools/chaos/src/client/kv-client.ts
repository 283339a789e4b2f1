/**
 * One chaos client's HTTP calls to the cluster's client API (`PUT/GET/DELETE /kv/:key`,
 * `POST /kv/:key/cas`), turned into Jepsen outcomes. A write that may have been applied is never
 * reported as failed: after a timeout, a reset connection or a 5xx it is retried (same
 * `x-request-id`, so the cluster applies it once) on the next member until the operation's
 * deadline, and if no attempt gives a definite answer it is `info`.
 */
import { Agent, request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '@bulwark/core';
import type { KvOperation, KvOutcome } from '../history/history-recorder.js';

/** A cluster member a client can call. */
export interface ClientMember {
  readonly id: string;
  /** Base URL, e.g. `http://127.0.0.1:7001`. */
  readonly url: string;
}

/** Options of {@link KvClient}. */
export interface KvClientOptions {
  /** The members, in the order retries rotate through them. Required, at least one. */
  readonly members: readonly ClientMember[];
  /** Timers for attempt timeouts and retry delays. Required. */
  readonly clock: Clock;
  /** A fresh request id per operation (the `x-request-id` of all its attempts). Required. */
  readonly requestId: () => string;
  /** One HTTP attempt gives up after this long (the connection is destroyed). Default 1000. */
  readonly attemptTimeoutMs?: number;
  /** No attempt starts after this long since the operation began (the last may run `attemptTimeoutMs` past it). Default 5000. */
  readonly operationTimeoutMs?: number;
  /** Wait between attempts. Default 100. */
  readonly retryDelayMs?: number;
  /** Most 307 redirects followed in one attempt. Default 3. */
  readonly maxRedirects?: number;
  /** Largest response body read, in bytes; beyond it the attempt fails. Default 1 MiB. */
  readonly maxBodyBytes?: number;
}

/** What {@link KvClient.run} returns. */
export interface KvResult {
  readonly outcome: KvOutcome;
  /** The member that gave the final answer (after redirects), if any did. */
  readonly servedBy?: string;
  /** HTTP attempts made (redirects not counted). */
  readonly attempts: number;
}

/** One attempt's verdict. */
type Attempt =
  | { readonly kind: 'ok'; readonly value?: string; readonly url: string }
  /** The request certainly did not take effect (a cas that did not match, a 4xx). */
  | { readonly kind: 'rejected'; readonly reason: string; readonly url: string }
  /** It did not reach the store (connection refused, 307 without a leader): try elsewhere. */
  | { readonly kind: 'unsent'; readonly reason: string }
  /** It may have taken effect (timeout, reset, 5xx): retry with the same id. */
  | { readonly kind: 'maybe'; readonly reason: string };

interface Response {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** The `error` of a JSON error body (`{ error: { code, outcome } }`), or nothing. */
function errorOf(body: string): { readonly code?: string; readonly outcome?: string } {
  try {
    const error = (JSON.parse(body) as { error?: unknown }).error;
    if (typeof error !== 'object' || error === null) return {};
    const { code, outcome } = error as Record<string, unknown>;
    return { ...(typeof code === 'string' ? { code } : {}), ...(typeof outcome === 'string' ? { outcome } : {}) };
  } catch {
    return {};
  }
}

/** Connection errors that mean the request was never written to a server. */
const UNSENT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

function positive(name: string, value: number): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new RangeError(`KvClient: options.${name} must be a finite number > 0, got ${String(value)}`);
  return value;
}

/**
 * @example
 * const client = new KvClient({ members, clock: systemClock, requestId: () => randomUUID() });
 * const { outcome } = await client.run({ f: 'put', key: 'k', value: 'v' }, 'a');
 * outcome.type; // 'ok', or 'info' if the cluster did not answer in time
 * client.close();
 */
export class KvClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 4 });
  private readonly attemptTimeoutMs: number;
  private readonly operationTimeoutMs: number;
  private readonly retryDelayMs: number;
  private readonly maxRedirects: number;
  private readonly maxBodyBytes: number;

  /** @throws RangeError or TypeError naming a bad option */
  constructor(private readonly options: KvClientOptions) {
    if (!Array.isArray(options.members) || options.members.length === 0) throw new TypeError('KvClient: options.members must list at least one member');
    this.attemptTimeoutMs = positive('attemptTimeoutMs', options.attemptTimeoutMs ?? 1000);
    this.operationTimeoutMs = positive('operationTimeoutMs', options.operationTimeoutMs ?? 5000);
    this.retryDelayMs = positive('retryDelayMs', options.retryDelayMs ?? 100);
    this.maxRedirects = options.maxRedirects ?? 3;
    if (!Number.isInteger(this.maxRedirects) || this.maxRedirects < 0) throw new RangeError(`KvClient: options.maxRedirects must be an integer ≥ 0, got ${String(options.maxRedirects)}`);
    this.maxBodyBytes = positive('maxBodyBytes', options.maxBodyBytes ?? 1024 * 1024);
  }

  /**
   * Runs one operation, first on member `first`, retrying on the others in turn.
   *
   * @throws RangeError (rejection) if `first` is not a member
   */
  async run(operation: KvOperation, first: string): Promise<KvResult> {
    const { members, clock } = this.options;
    let index = members.findIndex((m) => m.id === first);
    if (index < 0) throw new RangeError(`KvClient: no member ${JSON.stringify(first)}`);
    const id = this.options.requestId();
    const deadline = clock.now() + this.operationTimeoutMs;
    const write = operation.f !== 'get';
    let maybeApplied = false;
    let lastReason = 'no attempt';
    let attempts = 0;
    for (;;) {
      const remaining = deadline - clock.now();
      if (remaining <= 0 && attempts > 0) break;
      attempts++;
      const member = members[index];
      const result = await this.attempt(operation, member.url, id, this.attemptTimeoutMs);
      if (result.kind === 'ok') {
        return { outcome: result.value === undefined ? { type: 'ok' } : { type: 'ok', value: result.value }, servedBy: this.memberOf(result.url), attempts };
      }
      if (result.kind === 'rejected') {
        // An earlier attempt may have applied the write; then this answer only says the retry did nothing.
        const outcome: KvOutcome = write && maybeApplied ? { type: 'info', reason: `${result.reason} after an attempt with an unknown outcome (${lastReason})` } : { type: 'fail', reason: result.reason };
        return { outcome, servedBy: this.memberOf(result.url), attempts };
      }
      if (result.kind === 'maybe') maybeApplied = true;
      lastReason = `${member.id}: ${result.reason}`;
      index = (index + 1) % members.length;
      const pause = Math.min(this.retryDelayMs, deadline - clock.now());
      if (pause > 0) await new Promise<void>((resolve) => clock.setTimeout(resolve, pause));
    }
    // A read has no effect, so a read without an answer certainly did not take one.
    const outcome: KvOutcome = write && maybeApplied ? { type: 'info', reason: lastReason } : { type: 'fail', reason: lastReason };
    return { outcome, attempts };
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private memberOf(url: string): string | undefined {
    const origin = new URL(url).origin;
    return this.options.members.find((m) => new URL(m.url).origin === origin)?.id;
  }

  private async attempt(operation: KvOperation, base: string, requestId: string, timeoutMs: number): Promise<Attempt> {
    const path = `/kv/${encodeURIComponent(operation.key)}${operation.f === 'cas' ? '/cas' : ''}${operation.f === 'get' ? '?consistency=linearizable' : ''}`;
    const method = operation.f === 'get' ? 'GET' : operation.f === 'put' ? 'PUT' : operation.f === 'delete' ? 'DELETE' : 'POST';
    const body = operation.f === 'put' ? JSON.stringify({ value: operation.value }) : operation.f === 'cas' ? JSON.stringify({ expected: operation.expected, value: operation.value }) : undefined;
    let url = new URL(path, base).href;
    for (let redirects = 0; ; redirects++) {
      let response: Response;
      try {
        response = await this.send(url, method, body, requestId, timeoutMs);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== undefined && UNSENT_CODES.has(code)) return { kind: 'unsent', reason: code };
        return { kind: 'maybe', reason: error instanceof Error ? error.message : String(error) };
      }
      const { status } = response;
      if (status === 307 || status === 308) {
        const location = response.headers.location;
        // A redirect is an answer that the member did not handle the request.
        if (location === undefined || redirects >= this.maxRedirects) return { kind: 'unsent', reason: `${status} ${location === undefined ? 'without a location' : `after ${redirects} redirects`}` };
        url = new URL(location, url).href;
        continue;
      }
      return this.verdict(operation, status, response.body, url);
    }
  }

  private verdict(operation: KvOperation, status: number, body: string, url: string): Attempt {
    if (operation.f === 'get') {
      if (status === 404) return { kind: 'ok', value: '', url };
      if (status === 200) {
        let value: unknown;
        try {
          value = (JSON.parse(body) as { value?: unknown }).value;
        } catch {
          value = undefined;
        }
        if (typeof value === 'string') return { kind: 'ok', value, url };
        return { kind: 'rejected', reason: `200 with a body that has no string value: ${body.slice(0, 100)}`, url };
      }
      return status >= 500 ? { kind: 'maybe', reason: `${status}` } : { kind: 'rejected', reason: `${status} ${body.slice(0, 100)}`, url };
    }
    if (status >= 200 && status < 300) return { kind: 'ok', url };
    // The key was missing: the delete took effect as a no-op (the cluster answers 404 then).
    if (operation.f === 'delete' && status === 404) return { kind: 'ok', url };
    if (operation.f === 'cas' && status === 409) return { kind: 'rejected', reason: '409 (expected value did not match)', url };
    if (status >= 500) {
      // The cluster says when a failed write will never apply (`error.outcome: 'not-applied'`,
      // e.g. no leader). Taking its word makes the check stronger: if it is wrong, the history
      // shows a write that "failed" and took effect.
      const error = errorOf(body);
      if (error.outcome === 'not-applied') return { kind: 'unsent', reason: `${status}${error.code === undefined ? '' : ` ${error.code}`} (not applied)` };
      return { kind: 'maybe', reason: error.code === undefined ? `${status}` : `${status} ${error.code}` };
    }
    return { kind: 'rejected', reason: `${status} ${body.slice(0, 100)}`, url };
  }

  private send(url: string, method: string, body: string | undefined, requestId: string, timeoutMs: number): Promise<Response> {
    const { clock } = this.options;
    return new Promise<Response>((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | undefined, response?: Response): void => {
        if (settled) return;
        settled = true;
        clock.clearTimeout(timer);
        if (error) reject(error);
        else resolve(response as Response);
      };
      const headers: Record<string, string | number> = { 'x-request-id': requestId };
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      const req = request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxBodyBytes) {
            req.destroy(new Error(`response body over ${this.maxBodyBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (error) => finish(error));
      });
      const timer = clock.setTimeout(() => {
        const error = new Error(`timeout after ${timeoutMs} ms`);
        finish(error);
        req.destroy(error);
      }, timeoutMs);
      req.on('error', (error) => finish(error));
      req.end(body);
    });
  }
}
