import express from 'express';
import { closeServers, listen } from '../test/http.js';
import { onResponseStart } from './response-start.js';

afterEach(closeServers);

describe('onResponseStart', () => {
  it('calls the listener once, when the headers are written, however the handler answers', async () => {
    const starts: string[] = [];
    const app = express();
    app.get('/:how', (req, res) => {
      onResponseStart(res, () => starts.push(`${req.params.how}:${res.headersSent}`));
      if (req.params.how === 'write') {
        res.write('a');
        res.end('b');
      } else if (req.params.how === 'flush') {
        res.flushHeaders();
        res.end();
      } else if (req.params.how === 'redirect') {
        res.redirect('/elsewhere');
      } else {
        res.json({ ok: true });
      }
    });
    const url = await listen(app);
    for (const how of ['write', 'flush', 'redirect', 'json']) await (await fetch(`${url}/${how}`, { redirect: 'manual' })).arrayBuffer();
    expect(starts).toEqual(['write:false', 'flush:false', 'redirect:false', 'json:false']);
  });
});
