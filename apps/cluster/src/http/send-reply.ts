import type { Response } from 'express';
import type { Reply } from './reply.js';

/** Writes a {@link Reply} on an Express response. */
export function sendReply(res: Response, reply: Reply): void {
  res.status(reply.status);
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.raw !== undefined) {
    res.type('application/json').send(reply.raw);
  } else if (reply.body !== undefined) {
    res.json(reply.body);
  } else {
    res.end();
  }
}
