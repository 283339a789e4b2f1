import { discardResponse } from './discard-response.js';

function trackedResponse(): { response: Response; cancelled: () => number } {
  let cancels = 0;
  const body = new ReadableStream({ cancel: () => void cancels++ });
  return { response: new Response(body), cancelled: () => cancels };
}

describe('discardResponse', () => {
  it('cancels an unread body once, however often it is called', () => {
    const { response, cancelled } = trackedResponse();
    discardResponse(response);
    discardResponse(response);
    expect(cancelled()).toBe(1);
    expect(response.bodyUsed).toBe(true);
  });

  it('leaves alone a response without a body, one already read, and one being read', async () => {
    expect(() => discardResponse(new Response(null, { status: 204 }))).not.toThrow();
    const read = new Response('done');
    await read.text();
    expect(() => discardResponse(read)).not.toThrow();
    const { response, cancelled } = trackedResponse();
    response.body?.getReader();
    discardResponse(response);
    expect(cancelled()).toBe(0);
  });

  it('swallows the rejection of an errored body', async () => {
    const body = new ReadableStream({ start: (controller) => controller.error(new Error('broken')) });
    const response = new Response(body);
    discardResponse(response);
    await new Promise((resolve) => setImmediate(resolve));
    expect(response.bodyUsed).toBe(true);
  });
});
