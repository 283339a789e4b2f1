import { Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CLUSTER_RUNTIME, SAGAS_SERVICE } from '../cluster/cluster.constants.js';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { sendReply } from '../http/send-reply.js';
import { SagasApi } from './sagas-api.js';
import type { SagasRequest } from './sagas-api.js';
import type { SagasService } from './sagas-service.js';

const request = (req: Request): SagasRequest => ({ headers: req.headers, body: req.body as unknown, params: req.params, query: req.query });

/** `/sagas`: the orders demo, saga histories, and the peer endpoint for followers' saga steps (see {@link SagasApi}). */
@Controller('sagas')
export class SagasController {
  readonly #api: SagasApi;

  constructor(@Inject(CLUSTER_RUNTIME) runtime: ClusterRuntime, @Inject(SAGAS_SERVICE) service: SagasService) {
    this.#api = new SagasApi(runtime, service);
  }

  @Get()
  list(@Req() req: Request, @Res() res: Response): void {
    sendReply(res, this.#api.list(request(req)));
  }

  @Post('orders')
  async order(@Req() req: Request, @Res() res: Response): Promise<void> {
    sendReply(res, await this.#api.order(request(req)));
  }


  @Get(':id')
  get(@Req() req: Request, @Res() res: Response): void {
    sendReply(res, this.#api.get(request(req)));
  }
}
