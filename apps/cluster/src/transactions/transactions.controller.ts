import { Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CLUSTER_RUNTIME, TRANSACTIONS_SERVICE } from '../cluster/cluster.constants.js';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { sendReply } from '../http/send-reply.js';
import { TransactionsApi } from './transactions-api.js';
import type { TransactionsRequest } from './transactions-api.js';
import type { TransactionsService } from './transactions-service.js';

const request = (req: Request): TransactionsRequest => ({ headers: req.headers, body: req.body as unknown, params: req.params, query: req.query });

/** `/transactions`: the client API and the peer endpoints of two-phase commit (see {@link TransactionsApi}). */
@Controller('transactions')
export class TransactionsController {
  readonly #api: TransactionsApi;

  constructor(@Inject(CLUSTER_RUNTIME) runtime: ClusterRuntime, @Inject(TRANSACTIONS_SERVICE) service: TransactionsService) {
    this.#api = new TransactionsApi(runtime, service);
  }

  @Post()
  async transact(@Req() req: Request, @Res() res: Response): Promise<void> {
    sendReply(res, await this.#api.transact(request(req)));
  }

  @Post('messages')
  message(@Req() req: Request, @Res() res: Response): void {
    sendReply(res, this.#api.message(request(req)));
  }


  @Get(':id')
  status(@Req() req: Request, @Res() res: Response): void {
    sendReply(res, this.#api.status(request(req)));
  }
}
