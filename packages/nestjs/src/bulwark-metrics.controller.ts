import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Type } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Registry, RegistryContentType } from 'prom-client';
import { BULWARK_PROM_REGISTER } from './bulwark.constants.js';

/**
 * @internal A controller serving the prom-client registry at `path`: one class per module
 * definition, since a route is fixed when its controller class is decorated (a shared class
 * retargeted at run time would move every application's route in the process). The content
 * type is the registry's, set through the HTTP adapter so it works on Express and Fastify.
 */
export function createMetricsController(path: string): Type {
  @Controller()
  class BulwarkMetricsController {
    constructor(
      @Inject(BULWARK_PROM_REGISTER) private readonly register: Registry<RegistryContentType>,
      @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    ) {}

    /** The Prometheus exposition of every metric on the registry, the module's among them. */
    @Get(path)
    async scrape(@Res({ passthrough: true }) response: unknown): Promise<string> {
      const text = await this.register.metrics();
      this.adapterHost.httpAdapter.setHeader(response, 'content-type', this.register.contentType);
      return text;
    }
  }
  return BulwarkMetricsController;
}
