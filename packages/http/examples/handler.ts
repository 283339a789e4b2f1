// examples/handler.ts
import { createServer } from 'node:http';
import { bulkhead } from '@bulwark/core';
import { httpErrorFor } from '@bulwark/http';

/** A plain node:http server that sheds load past 10 concurrent requests. */
export function sheddingServer(handle: () => Promise<string>) {
  const limit = bulkhead({ maxConcurrent: 10 });
  return createServer((req, res) => {
    limit.execute(handle).then(
      (text) => res.end(text),
      (error: unknown) => {
        const mapped = httpErrorFor(error);
        if (mapped === undefined) return void res.writeHead(500).end(); // the app's own error
        res.writeHead(mapped.status, { ...mapped.headers, 'content-type': 'application/json' });
        res.end(JSON.stringify(mapped.body));
      },
    );
  });
}
