import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SAGAS_SERVICE } from '../cluster/cluster.constants.js';
import type { SagasService } from './sagas-service.js';

/** Resumes the member's sagas with the app (in the background: their steps need a leader) and closes their log with it. */
@Injectable()
export class SagasLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(@Inject(SAGAS_SERVICE) private readonly service: SagasService) {}

  onApplicationBootstrap(): void {
    void this.service.start();
  }

  onModuleDestroy(): void {
    this.service.stop();
  }
}
