import type { HttpErrorResponse } from '@bulwark/http';
import { HttpException } from '@nestjs/common';

/**
 * What a Bulwark policy's rejection becomes in an HTTP handler: an `HttpException` whose status
 * and body are `httpErrorFor`'s (`503`/`429`/`504`, `{ "error": { "code", "message",
 * "retryAfterMs"? } }`), with the policy's error as `cause`. Its `headers` (`retry-after`) are
 * already set on the response when it is thrown, so Nest's default exception filter and your own
 * send them. Catch it in an exception filter to answer in your own format.
 *
 * @example
 * @Catch(BulwarkHttpException)
 * class ShedFilter implements ExceptionFilter {
 *   catch(e: BulwarkHttpException, host: ArgumentsHost) { … e.getStatus(), e.headers, e.cause … }
 * }
 */
export class BulwarkHttpException extends HttpException {
  /** The headers of the response (lower-case names), as `httpErrorFor` gave them. */
  readonly headers: Readonly<Record<string, string>>;

  /**
   * @param response `httpErrorFor(error)`
   * @param cause the policy's error
   */
  constructor(response: HttpErrorResponse, cause: unknown) {
    super(response.body, response.status, { cause });
    this.name = 'BulwarkHttpException';
    this.headers = response.headers;
  }
}
