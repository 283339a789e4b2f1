import { Catch, HttpException } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';

const CODES: Record<number, string> = { 400: 'EBADREQUEST', 404: 'ENOTFOUND', 405: 'EMETHOD', 413: 'ETOOLARGE', 415: 'EUNSUPPORTED' };

/**
 * Every error Nest itself answers (no route, a thrown `HttpException`, an unexpected error) in
 * the service's one JSON error shape, `{ error: { code, message } }`; an unexpected error is a
 * 500 that says nothing of its cause.
 */
@Catch()
export class JsonExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      res.status(status).json({ error: { code: CODES[status] ?? `EHTTP${status}`, message: exception.message } });
      return;
    }
    res.status(500).json({ error: { code: 'EINTERNAL', message: 'internal error' } });
  }
}
