import type { HttpErrorResponse } from '@bulwark/http';
import type { Response } from 'express';

/**
 * Writes what `httpErrorFor` mapped an error to: the status, its headers (`Retry-After` in whole
 * seconds when the policy knows when to try again) and the JSON body
 * `{ "error": { "code", "message", "retryAfterMs"? } }`. The one place the adapter writes a
 * rejection; the mapping itself lives in `@bulwark/http`.
 */
export function sendHttpError(res: Response, mapped: HttpErrorResponse): void {
  res.status(mapped.status);
  for (const [name, value] of Object.entries(mapped.headers)) res.setHeader(name, value);
  res.json(mapped.body);
}
