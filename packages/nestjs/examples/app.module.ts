// examples/app.module.ts
import { Controller, Get, Module, Param } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { BulwarkModule, CircuitBreaker, Fallback, Retry } from '@bulwark/nestjs';

@Controller('prices')
export class PricesController {
  constructor(private readonly config: ConfigService) {}

  @Get(':sku')
  @Fallback('unknown') // runs Fallback → Retry → CircuitBreaker, in whatever order they are written
  @CircuitBreaker('prices')
  @Retry('prices')
  async price(@Param('sku') sku: string): Promise<{ price: number | null }> {
    const response = await fetch(`${this.config.getOrThrow<string>('PRICES_URL')}/${sku}`);
    if (!response.ok) throw new Error(`prices answered ${response.status}`);
    return { price: (await response.json()) as number };
  }

  unknown(): { price: number | null } {
    return { price: null };
  }
}

@Module({
  imports: [
    ConfigModule.forRoot(),
    BulwarkModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        policies: { prices: { retry: { maxAttempts: Number(config.get('PRICES_ATTEMPTS', '3')) }, breaker: { resetTimeout: 10_000 } } },
      }),
    }), // and GET /metrics, on prom-client's global register
  ],
  controllers: [PricesController],
})
export class AppModule {}
