import { Controller, Delete, Get, Inject, Post, Put, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CLUSTER_RUNTIME } from '../cluster/cluster.constants.js';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { KvApi } from './kv-api.js';
import type { KvRequest } from './kv-api.js';
import { sendReply } from './send-reply.js';

function kvRequest(req: Request): KvRequest {
  return {
    method: req.method as KvRequest['method'],
    url: req.originalUrl,
    key: req.params.key,
    query: req.query as Record<string, unknown>,
    headers: req.headers,
    body: req.body as unknown,
  };
}

/** The client API: `GET`, `PUT`, `DELETE /kv/:key` and `POST /kv/:key/cas` (see {@link KvApi}). */
@Controller('kv')
export class KvController {
  readonly #api: KvApi;

  constructor(@Inject(CLUSTER_RUNTIME) runtime: ClusterRuntime) {
    this.#api = new KvApi(runtime);
  }

  @Get(':key')
  async get(@Req() req: Request, @Res() res: Response): Promise<void> {
    sendReply(res, await this.#api.get(kvRequest(req)));
  }

  @Put(':key')
  async put(@Req() req: Request, @Res() res: Response): Promise<void> {
    sendReply(res, await this.#api.put(kvRequest(req)));
  }

  @Delete(':key')
  async delete(@Req() req: Request, @Res() res: Response): Promise<void> {
    sendReply(res, await this.#api.delete(kvRequest(req)));
  }

  @Post(':key/cas')
  async cas(@Req() req: Request, @Res() res: Response): Promise<void> {
    sendReply(res, await this.#api.cas(kvRequest(req)));
  }
}
