import { isRetryExhaustedError } from '@bulwark/core';
import { httpErrorFor } from '@bulwark/http';
import { Inject, Injectable } from '@nestjs/common';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Observable, catchError, lastValueFrom, throwError } from 'rxjs';
import { BULWARK_RESOLVED_OPTIONS } from './bulwark.constants.js';
import { BulwarkExplorer } from './bulwark.explorer.js';
import { BulwarkHttpException } from './bulwark-http.exception.js';
import type { ResolvedBulwarkOptions } from './bulwark-registry.providers.js';

/** A handler that emits nothing answers `undefined`. */
const LAST_VALUE = { defaultValue: undefined };

/**
 * @internal The module's global interceptor. For a handler with Bulwark decorators it runs the
 * handler through the handler's chain: each attempt subscribes to a fresh `next.handle()`, which
 * in Nest 12 runs the pipes and the handler again (the regression test counts the calls); the
 * attempt's value is the handler's last emitted value. For every HTTP handler, decorated or
 * not (a decorated provider method may be what failed), it turns a policy's rejection into a
 * {@link BulwarkHttpException} through `httpErrorFor`, and an exhausted retry of the
 * application's own error into that error; anything else passes through untouched.
 */
@Injectable()
export class BulwarkInterceptor implements NestInterceptor {
  constructor(
    @Inject(BulwarkExplorer) private readonly explorer: BulwarkExplorer,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(BULWARK_RESOLVED_OPTIONS) private readonly options: ResolvedBulwarkOptions,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const entry = this.explorer.handlerChain(context.getClass(), context.getHandler());
    const http = context.getType() === 'http';
    if (entry === undefined) {
      const result = next.handle();
      return http ? result.pipe(catchError((error: unknown) => throwError(() => this.toHttp(error, context)))) : result;
    }
    // One Observable around the chain's promise: what defer(() => promise) piped through
    // catchError did, with one subscription per request instead of three.
    return new Observable<unknown>((subscriber) => {
      const settle = (error: unknown): void => {
        if (!http) return subscriber.error(error);
        let mapped: unknown;
        try {
          mapped = this.toHttp(error, context);
        } catch (thrown) {
          mapped = thrown;
        }
        subscriber.error(mapped);
      };
      let promise: Promise<unknown>;
      try {
        promise = entry.chain.run(
          () => lastValueFrom(next.handle(), LAST_VALUE),
          (error) => entry.answer(context, error),
        );
      } catch (error) {
        settle(error);
        return;
      }
      promise.then((value) => {
        // As rxjs's from(promise): nothing for a subscriber that has gone.
        if (subscriber.closed) return;
        subscriber.next(value);
        subscriber.complete();
      }, settle);
    });
  }

  private toHttp(error: unknown, context: ExecutionContext): unknown {
    const mapped = httpErrorFor(error, { gateway: this.options.gateway });
    if (mapped === undefined) return isRetryExhaustedError(error) ? error.cause : error;
    const response: unknown = context.switchToHttp().getResponse();
    const adapter = this.adapterHost.httpAdapter;
    for (const [name, value] of Object.entries(mapped.headers)) adapter.setHeader(response, name, value);
    return new BulwarkHttpException(mapped, error);
  }
}
