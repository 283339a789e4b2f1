import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { TRANSACTIONS_SERVICE } from '../cluster/cluster.constants.js';
import type { TransactionsService } from './transactions-service.js';

/** Starts the member's transactions with the app (in the background: the coordinator waits for a leader) and stops them with it. */
@Injectable()
export class TransactionsLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(@Inject(TRANSACTIONS_SERVICE) private readonly service: TransactionsService) {}

  onApplicationBootstrap(): void {
    void this.service.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.service.stop();
  }
}
