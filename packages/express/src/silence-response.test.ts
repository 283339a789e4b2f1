import express from 'express';
import { closeServers, listen } from '../test/http.js';
import { silenceResponse } from './silence-response.js';

afterEach(closeServers);

describe('silenceResponse', () => {
  it('turns every later write into a no-op that throws nothing, keeps the status sent, and still calls callbacks', async () => {
    const outcome: { threw?: unknown; status?: number; callbacks: number } = { callbacks: 0 };
    const app = express();
    app.get('/', (_req, res) => {
      res.status(503).json({ answered: 'first' });
      silenceResponse(res);
      try {
        res.status(200);
        res.statusCode = 201;
        res.setHeader('x-late', '1');
        res.appendHeader('x-late', '2');
        res.removeHeader('content-type');
        res.writeHead(202, { 'x-late': '3' });
        res.flushHeaders();
        res.write('late', () => outcome.callbacks++);
        res.json({ answered: 'late' });
        res.end(() => outcome.callbacks++);
      } catch (error) {
        outcome.threw = error;
      }
      outcome.status = res.statusCode;
    });
    const url = await listen(app);
    const response = await fetch(url);
    expect(response.status).toBe(503);
    expect(response.headers.get('x-late')).toBeNull();
    expect(await response.json()).toEqual({ answered: 'first' });
    expect(outcome).toEqual({ status: 503, callbacks: 2 });
  });
});
