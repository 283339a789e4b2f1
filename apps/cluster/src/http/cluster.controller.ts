import { Controller, Delete, Get, Inject, Post, Put, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CLUSTER_RUNTIME, SAGAS_SERVICE, TRANSACTIONS_SERVICE } from '../cluster/cluster.constants.js';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import type { ClusterStatus } from '../cluster/cluster-status.js';
import { buildDashboard } from '../cluster/dashboard.js';
import type { Dashboard, DashboardSources } from '../cluster/dashboard.js';
import { OperatorApi } from './operator-api.js';
import type { OperatorRequest } from './operator-api.js';
import type { Reply } from './reply.js';
import { sendReply } from './send-reply.js';

function operatorRequest(req: Request): OperatorRequest {
  return { method: req.method as OperatorRequest['method'], url: req.originalUrl, headers: req.headers, body: req.body as unknown, params: req.params };
}

/**
 * `/cluster/*`: the public, read-only `status` and `dashboard`, and the token-protected
 * operator API (see {@link OperatorApi}).
 */
@Controller('cluster')
export class ClusterController {
  readonly #operator: OperatorApi;

  readonly #sources: DashboardSources;

  constructor(
    @Inject(CLUSTER_RUNTIME) private readonly runtime: ClusterRuntime,
    @Inject(TRANSACTIONS_SERVICE) transactions: NonNullable<DashboardSources['transactions']>,
    @Inject(SAGAS_SERVICE) sagas: NonNullable<DashboardSources['sagas']>,
  ) {
    this.#operator = new OperatorApi(runtime);
    this.#sources = { transactions, sagas };
  }

  @Get('status')
  status(): ClusterStatus {
    return this.runtime.status();
  }

  @Get('dashboard')
  dashboard(): Promise<Dashboard> {
    return buildDashboard(this.runtime, this.#sources);
  }

  @Post('members')
  addMember(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.#guarded(req, res, (request) => this.#operator.addMember(request));
  }

  @Delete('members/:id')
  removeMember(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.#guarded(req, res, (request) => this.#operator.removeMember(request));
  }

  @Post('transfer-leadership')
  transferLeadership(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.#guarded(req, res, (request) => this.#operator.transferLeadership(request));
  }

  @Post('commands')
  command(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.#guarded(req, res, (request) => this.#operator.command(request));
  }

  @Post('snapshot')
  snapshot(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.#guarded(req, res, () => this.#operator.snapshot());
  }

  @Get('faults')
  getFaults(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.#guarded(req, res, () => this.#operator.getFaults());
  }

  @Put('faults')
  setFaults(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.#guarded(req, res, (request) => this.#operator.setFaults(request));
  }

  @Delete('faults')
  clearFaults(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.#guarded(req, res, () => this.#operator.clearFaults());
  }

  async #guarded(req: Request, res: Response, run: (request: OperatorRequest) => Reply | Promise<Reply>): Promise<void> {
    const request = operatorRequest(req);
    sendReply(res, this.#operator.authorize(request) ?? (await run(request)));
  }
}
