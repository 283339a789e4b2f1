import type { FlakyService } from './flaky-service.js';
import { startFlakyService } from './flaky-service.js';

describe('startFlakyService', () => {
  let service: FlakyService;

  afterEach(async () => {
    await service.close();
  });

  async function get(): Promise<{ status: number; body: unknown }> {
    const response = await fetch(service.url);
    return { status: response.status, body: await response.json() };
  }

  it('listens on an ephemeral loopback port', async () => {
    service = await startFlakyService();
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(new URL(service.url).port).not.toBe('0');
  });

  it('answers as its current phase says, switching on the next request', async () => {
    service = await startFlakyService();
    expect(service.phase).toBe('healthy');
    expect(await get()).toEqual({ status: 200, body: { ok: true } });

    service.phase = 'failing';
    expect(await get()).toEqual({ status: 500, body: { ok: false } });
    expect(await get()).toEqual({ status: 500, body: { ok: false } });

    service.phase = 'healthy';
    expect(await get()).toEqual({ status: 200, body: { ok: true } });
    expect(service.served).toEqual({ ok: 2, failed: 2 });
  });

  it('starts in the phase it is given', async () => {
    service = await startFlakyService({ phase: 'failing' });
    expect((await get()).status).toBe(500);
    expect(service.served).toEqual({ ok: 0, failed: 1 });
  });

  it('closes even with kept-alive connections, and then refuses requests', async () => {
    service = await startFlakyService();
    await get(); // leaves a kept-alive connection behind
    await service.close();
    // undici's TypeError comes from another realm than Jest's, so match the message.
    await expect(fetch(service.url)).rejects.toThrow('fetch failed');
    await service.close(); // a second close is harmless
  });
});
