/**
 * The Nest servers of the http suite: one controller answering `GET /` with `hello`, plain or
 * with @bulwark/nestjs's `@Bulkhead` and `@CircuitBreaker` on the handler.
 */
import 'reflect-metadata';
import type { PolicyRegistry } from '@bulwark/core';
import { Bulkhead, BulwarkModule, CircuitBreaker } from '@bulwark/nestjs';
import { Controller, Get, Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { BULKHEAD_OPTIONS, HELLO } from './http-cases.js';

@Controller()
class PlainHelloController {
  @Get()
  hello(): string {
    return HELLO;
  }
}

@Controller()
class HelloController {
  @Get()
  @Bulkhead(BULKHEAD_OPTIONS)
  @CircuitBreaker()
  hello(): string {
    return HELLO;
  }
}

/**
 * A Nest 12 application on the Express platform, logger off, not yet listening. Without
 * `registry`, one plain controller; with it, the decorated controller and
 * `BulwarkModule.forRoot({ registry, metrics: false })`.
 */
export async function createNestApp(registry?: PolicyRegistry): Promise<INestApplication> {
  let root: new () => unknown;
  if (registry === undefined) {
    @Module({ controllers: [PlainHelloController] })
    class PlainModule {}
    root = PlainModule;
  } else {
    @Module({ imports: [BulwarkModule.forRoot({ registry, metrics: false })], controllers: [HelloController] })
    class BulwarkAppModule {}
    root = BulwarkAppModule;
  }
  return NestFactory.create(root, new ExpressAdapter(), { logger: false });
}
