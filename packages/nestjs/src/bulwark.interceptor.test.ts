import { BulkheadRejectedError, CircuitOpenError, createRegistry } from '@bulwark/core';
import { ManualClock, deferred } from '@bulwark/core/testing';
import type { Deferred } from '@bulwark/core/testing';
import { Catch, Controller, Get, HttpException, Inject, Injectable, NotFoundException, Param } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter, ExecutionContext } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { of } from 'rxjs';
import type { Observable } from 'rxjs';
import { PLATFORMS, closeAll, drive, serve } from '../test/serve.js';
import type { Platform } from '../test/serve.js';
import { BulwarkModule } from './bulwark.module.js';
import { Bulkhead } from './bulkhead.decorator.js';
import type { BulwarkExplorer } from './bulwark.explorer.js';
import { BulwarkInterceptor } from './bulwark.interceptor.js';
import { BulwarkHttpException } from './bulwark-http.exception.js';
import { CircuitBreaker } from './circuit-breaker.decorator.js';
import { currentExecuteContext } from './execute-context.js';
import { Fallback } from './fallback.decorator.js';
import { RateLimit } from './rate-limit.decorator.js';
import { Retry } from './retry.decorator.js';
import { Timeout } from './timeout.decorator.js';

/** What the handlers do and what they saw; one per application. */
@Injectable()
class Probe {
  calls = 0;
  failures = 0; // how many of the next calls throw
  error: () => Error = () => new Error('boom');
  entered: Deferred<void> = deferred<void>();
  release: Deferred<string> = deferred<string>();
  fail(): void {
    this.calls++;
    if (this.failures > 0) {
      this.failures--;
      throw this.error();
    }
  }
}

function cachedAnswer(this: HandlersController, context: ExecutionContext, error: unknown): unknown {
  const request = context.switchToHttp().getRequest<{ url: string }>();
  return { fallback: 'function', url: request.url, self: this instanceof HandlersController, error: (error as Error).message };
}

@Controller('h')
class HandlersController {
  constructor(@Inject(Probe) private readonly probe: Probe) {}

  @Get('retry')
  @Retry({ maxAttempts: 3, backoff: { kind: 'constant', delayMs: 100 } })
  async retried(): Promise<{ calls: number }> {
    await Promise.resolve(); // a promise-returning handler: the case that must really run again
    this.probe.fail();
    return { calls: this.probe.calls };
  }

  @Get('breaker')
  @CircuitBreaker({ slidingWindow: { kind: 'consecutive', failures: 2 }, resetTimeout: 5000 })
  breaker(): string {
    this.probe.fail();
    return 'ok';
  }

  @Get('bulkhead')
  @Bulkhead({ maxConcurrent: 1 })
  async bulkhead(): Promise<string> {
    this.probe.calls++;
    this.probe.entered.resolve();
    return this.probe.release.promise;
  }

  @Get('timeout')
  @Timeout({ timeoutMs: 1000 })
  async timeout(): Promise<string> {
    const signal = currentExecuteContext()?.signal;
    this.probe.entered.resolve();
    await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason as Error)));
    return 'never';
  }

  @Get('rate')
  @RateLimit({ mode: 'token-bucket', limit: 1, intervalMs: 1000 })
  rate(): string {
    return 'ok';
  }

  @Get('fallback-method/:id')
  @Fallback('cached')
  @CircuitBreaker()
  fallbackMethod(@Param('id') id: string): string {
    this.probe.fail();
    return `fresh ${id}`;
  }

  cached(context: ExecutionContext, error: unknown): unknown {
    return { fallback: 'method', params: context.switchToHttp().getRequest<{ params: unknown }>().params, error: (error as Error).message, calls: this.probe.calls };
  }

  @Get('fallback-fn')
  @Fallback(cachedAnswer)
  fallbackFn(): string {
    this.probe.fail();
    return 'fresh';
  }

  @Get('not-found')
  @Retry({ maxAttempts: 2, backoff: { kind: 'constant', delayMs: 0 }, shouldRetry: () => false })
  notFound(): string {
    throw new NotFoundException('no such thing');
  }

  @Get('teapot')
  @Retry({ maxAttempts: 2, backoff: { kind: 'constant', delayMs: 0 } })
  teapot(): string {
    this.probe.calls++;
    throw new HttpException({ tea: true }, 418);
  }

  @Get('plain')
  plain(): string {
    throw new HttpException('plain', 409);
  }
}

/** A provider whose method is decorated; the controller calling it is not. */
@Injectable()
class Quotes {
  @RateLimit({ mode: 'token-bucket', limit: 1, intervalMs: 2000 })
  async quote(): Promise<string> {
    return 'quote';
  }
}

@Controller('p')
class PlainController {
  constructor(@Inject(Quotes) private readonly quotes: Quotes) {}

  @Get('quote')
  quote(): Promise<string> {
    return this.quotes.quote();
  }
}

/** An application's own filter for shed requests. */
@Catch(BulwarkHttpException)
class ShedFilter implements ExceptionFilter {
  catch(exception: BulwarkHttpException, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<{ status(code: number): { send(body: unknown): void } }>();
    const cause = exception.cause as { code: string };
    response.status(exception.getStatus()).send({ shed: cause.code, headers: exception.headers, name: exception.name });
  }
}

@Controller('c')
@RateLimit({ mode: 'token-bucket', limit: 1, intervalMs: 1000 })
class ClassLevelController {
  @Get('a')
  a(): string {
    return 'a';
  }

  @Get('b')
  b(): string {
    return 'b';
  }

  @Get('own')
  @RateLimit({ mode: 'token-bucket', limit: 2, intervalMs: 1000 })
  own(): string {
    return 'own';
  }
}

async function boot(platform: Platform, options: { gateway?: boolean; filter?: boolean } = {}) {
  const clock = new ManualClock(0);
  const probe = new Probe();
  const registry = createRegistry({ clock });
  const served = await serve(
    {
      imports: [BulwarkModule.forRoot({ registry, metrics: false, gateway: options.gateway })],
      controllers: [HandlersController, ClassLevelController, PlainController],
      providers: [{ provide: Probe, useValue: probe }, Quotes, ...(options.filter === true ? [{ provide: APP_FILTER, useClass: ShedFilter }] : [])],
    },
    platform,
  );
  return { clock, probe, registry, ...served };
}

afterEach(closeAll);

describe.each(PLATFORMS)('handler decorators on %s', (platform) => {
  it('@Retry runs a promise-returning handler again on each attempt (regression: not a replayed result)', async () => {
    const { clock, probe, request } = await boot(platform);
    probe.failures = 2;
    const reply = await drive(clock, request('/h/retry'), 100);
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ calls: 3 });
    expect(probe.calls).toBe(3);
  });

  it('@Retry gives up after maxAttempts, answering the handler’s own error (a 500), not the retry’s', async () => {
    const { clock, probe, request } = await boot(platform);
    probe.failures = 5;
    const reply = await drive(clock, request('/h/retry'), 100);
    expect(reply.status).toBe(500);
    expect(probe.calls).toBe(3);
    expect(reply.text).not.toContain('ERETRYEXHAUSTED');
  });

  it('@CircuitBreaker opens after the failures, answers 503 with Retry-After, and closes after a trial', async () => {
    const { clock, probe, request } = await boot(platform);
    probe.failures = 2;
    expect((await request('/h/breaker')).status).toBe(500);
    expect((await request('/h/breaker')).status).toBe(500);
    const open = await request('/h/breaker');
    expect(open.status).toBe(503);
    expect(open.headers.get('retry-after')).toBe('5');
    expect(open.headers.get('content-type')).toMatch(/^application\/json/);
    expect(open.json()).toEqual({ error: { code: 'EOPENBREAKER', message: 'Breaker is open', retryAfterMs: 5000 } });
    expect(probe.calls).toBe(2);
    clock.advance(5000);
    const trial = await request('/h/breaker');
    expect([trial.status, trial.text]).toEqual([200, 'ok']);
  });

  it('@Bulkhead sheds a second concurrent request with 503', async () => {
    const { probe, request } = await boot(platform);
    const first = request('/h/bulkhead');
    await probe.entered.promise;
    const shed = await request('/h/bulkhead');
    expect(shed.status).toBe(503);
    expect(shed.json()).toMatchObject({ error: { code: 'EBULKHEADREJECTED' } });
    probe.release.resolve('done');
    expect((await first).text).toBe('done');
    expect(probe.calls).toBe(1);
  });

  it('@Timeout aborts the handler’s signal at the deadline and answers 503', async () => {
    const { clock, probe, request } = await boot(platform);
    const pending = request('/h/timeout');
    await probe.entered.promise;
    clock.advance(1000);
    const reply = await pending;
    expect(reply.status).toBe(503);
    expect(reply.json()).toEqual({ error: { code: 'ETIMEDOUT', message: 'Timed out after 1000ms' } });
  });

  it('answers a timeout with 504 when the module is a gateway', async () => {
    const { clock, probe, request } = await boot(platform, { gateway: true });
    const pending = request('/h/timeout');
    await probe.entered.promise;
    clock.advance(1000);
    expect((await pending).status).toBe(504);
  });

  it('@RateLimit answers 429 with Retry-After, and lets calls through again once a permit is back', async () => {
    const { clock, request } = await boot(platform);
    expect((await request('/h/rate')).status).toBe(200);
    const limited = await request('/h/rate');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.json()).toMatchObject({ error: { code: 'ERATELIMITED', retryAfterMs: 1000 } });
    clock.advance(1000);
    expect((await request('/h/rate')).status).toBe(200);
  });

  it('a class-level decorator applies to every handler, one instance per Class.method; a handler’s own overrides it', async () => {
    const { request, registry } = await boot(platform);
    expect((await request('/c/a')).status).toBe(200);
    expect((await request('/c/b')).status).toBe(200);
    expect((await request('/c/a')).status).toBe(429);
    expect((await request('/c/b')).status).toBe(429);
    expect((await request('/c/own')).status).toBe(200);
    expect((await request('/c/own')).status).toBe(200);
    expect((await request('/c/own')).status).toBe(429);
    expect(registry.all().filter((e) => e.kind === 'rateLimiter').map((e) => e.name)).toEqual(
      expect.arrayContaining(['ClassLevelController.a', 'ClassLevelController.b', 'ClassLevelController.own']),
    );
  });

  it('@Fallback by method name answers with the method’s result, given the context and the error, also for an open breaker', async () => {
    const { clock, probe, request } = await boot(platform);
    probe.failures = 1;
    const reply = await request('/h/fallback-method/7');
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ fallback: 'method', params: { id: '7' }, error: 'boom', calls: 1 });
    // 1 failure in 1 call opened the default breaker (above opossum's 50%): the fallback answers for it.
    expect((await request('/h/fallback-method/8')).json()).toEqual({ fallback: 'method', params: { id: '8' }, error: 'Breaker is open', calls: 1 });
    clock.advance(30_000); // the default resetTimeout: a trial goes through
    expect((await request('/h/fallback-method/9')).text).toBe('fresh 9');
  });

  it('@Fallback with a function calls it with this = the controller', async () => {
    const { probe, request } = await boot(platform);
    probe.failures = 1;
    expect((await request('/h/fallback-fn')).json()).toEqual({ fallback: 'function', url: '/h/fallback-fn', self: true, error: 'boom' });
  });

  it('passes the application’s own HttpException through unchanged, decorated or not', async () => {
    const { clock, probe, request } = await boot(platform);
    const notFound = await request('/h/not-found');
    expect(notFound.status).toBe(404);
    expect(notFound.json()).toEqual({ message: 'no such thing', error: 'Not Found', statusCode: 404 });
    const teapot = await drive(clock, request('/h/teapot'));
    expect([teapot.status, teapot.json()]).toEqual([418, { tea: true }]);
    expect(probe.calls).toBe(2); // retried, then its own error
    const plain = await request('/h/plain');
    expect([plain.status, plain.json()]).toEqual([409, { statusCode: 409, message: 'plain' }]);
  });

  it('answers a decorated provider method’s rejection in an undecorated handler the same way', async () => {
    const { request } = await boot(platform);
    expect((await request('/p/quote')).text).toBe('quote');
    const limited = await request('/p/quote');
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '2']);
    expect(limited.json()).toMatchObject({ error: { code: 'ERATELIMITED' } });
  });

  it('hands the application’s exception filter a BulwarkHttpException with status, headers and cause', async () => {
    const { request } = await boot(platform, { filter: true });
    await request('/h/rate');
    const reply = await request('/h/rate');
    expect(reply.status).toBe(429);
    expect(reply.headers.get('retry-after')).toBe('1'); // set before the filter ran
    expect(reply.json()).toEqual({ shed: 'ERATELIMITED', headers: { 'retry-after': '1' }, name: 'BulwarkHttpException' });
  });
});

describe('BulwarkInterceptor on a decorated handler, alone', () => {
  /** The interceptor with `run` as the handler's chain, and what it emitted for a context of `type`. */
  function intercept(run: () => Promise<unknown>, type = 'http', setHeader: (res: unknown, name: string, value: string) => void = () => undefined) {
    const explorer = { handlerChain: () => ({ chain: { run }, answer: () => undefined }) } as unknown as BulwarkExplorer;
    const interceptor = new BulwarkInterceptor(explorer, { httpAdapter: { setHeader } } as never, { gateway: false } as never);
    const context = { getClass: () => Object, getHandler: () => intercept, getType: () => type, switchToHttp: () => ({ getResponse: () => ({}) }) };
    const seen: unknown[] = [];
    const observable: Observable<unknown> = interceptor.intercept(context as unknown as ExecutionContext, { handle: () => of('unused') });
    const subscription = observable.subscribe({ next: (v) => seen.push(['next', v]), error: (e) => seen.push(['error', e]), complete: () => seen.push(['complete']) });
    return { seen, subscription };
  }

  it('emits the chain’s value, and outside HTTP passes its rejection through unmapped', async () => {
    const ok = intercept(() => Promise.resolve('value'));
    const shed = new BulkheadRejectedError('full');
    const rpc = intercept(() => Promise.reject(shed), 'rpc');
    await new Promise((resolve) => setImmediate(resolve));
    expect(ok.seen).toEqual([['next', 'value'], ['complete']]);
    expect(rpc.seen).toEqual([['error', shed]]);
  });

  it('maps a chain that throws at once, and answers with what the mapping throws when it throws', () => {
    const open = new CircuitOpenError(5_000);
    const thrown = intercept(() => {
      throw open;
    });
    expect(thrown.seen).toHaveLength(1);
    expect((thrown.seen[0] as [string, unknown])[1]).toBeInstanceOf(BulwarkHttpException);
    const broken = new Error('setHeader broke');
    const failed = intercept(
      () => {
        throw open;
      },
      'http',
      () => {
        throw broken;
      },
    );
    expect(failed.seen).toEqual([['error', broken]]);
  });

  it('emits nothing to a subscriber that left before the chain settled', async () => {
    const settled = deferred<unknown>();
    const { seen, subscription } = intercept(() => settled.promise);
    subscription.unsubscribe();
    settled.resolve('late');
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([]);
  });
});
