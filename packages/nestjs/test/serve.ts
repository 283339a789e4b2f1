// Test helpers: boot a Nest application from module metadata on the Express or the Fastify
// platform, on an ephemeral port of 127.0.0.1, and talk to it over real HTTP with fetch.
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { TestingModule } from '@nestjs/testing';
import { flushPromises } from '@bulwark/core/testing';
import type { ManualClock } from '@bulwark/core/testing';

export type Platform = 'express' | 'fastify';

/** Every scenario runs on both platforms. */
export const PLATFORMS: readonly Platform[] = ['express', 'fastify'];

export interface Served {
  readonly app: INestApplication;
  readonly moduleRef: TestingModule;
  readonly url: string;
  /** fetch(url + path), with the body read as text. */
  request(path: string, init?: RequestInit): Promise<Reply>;
  close(): Promise<void>;
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON. */
  json(): unknown;
}

const open = new Set<Served>();

/** Closes every application a test left open (call it from afterEach). */
export async function closeAll(): Promise<void> {
  await Promise.all([...open].map((served) => served.close()));
}

/** Compiles `metadata` into an application on `platform` and listens on 127.0.0.1:0. */
export async function serve(metadata: ModuleMetadata, platform: Platform): Promise<Served> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const adapter = platform === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = moduleRef.createNestApplication(adapter, { logger: false });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const served: Served = {
    app,
    moduleRef,
    url,
    async request(path, init) {
      const response = await fetch(url + path, init);
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as unknown };
    },
    async close() {
      if (!open.delete(served)) return;
      await app.close();
    },
  };
  open.add(served);
  return served;
}

/**
 * Waits for `pending` while firing the clock's timers that fall due `stepMs` at a time, one
 * event-loop turn per step: drives retries' backoff waits during real HTTP I/O without sleeping.
 */
export async function drive<T>(clock: ManualClock, pending: Promise<T>, stepMs = 0): Promise<T> {
  let settled = false;
  const done = pending.finally(() => (settled = true));
  done.catch(() => undefined); // a rejection is the caller's to see, when it awaits the result
  for (let turns = 0; !settled; turns++) {
    if (turns > 10_000) throw new Error('drive: the request did not settle');
    clock.advance(stepMs);
    await flushPromises();
  }
  return done;
}
