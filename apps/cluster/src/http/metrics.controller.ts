import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CLUSTER_RUNTIME } from '../cluster/cluster.constants.js';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';

/**
 * `GET /metrics`: the member's prom-client registry in the Prometheus text format, holding the
 * policy metrics of `@bulwark/prometheus` (`registerMetrics` over the member's registry) and the
 * Raft collector (`registerRaftMetrics` over its node), both added by the runtime.
 */
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(CLUSTER_RUNTIME) private readonly runtime: ClusterRuntime) {}

  /** The exposition text. */
  @Get()
  async scrape(@Res() res: Response): Promise<void> {
    const text = await this.runtime.register.metrics();
    res.setHeader('content-type', this.runtime.register.contentType);
    res.end(text);
  }
}
