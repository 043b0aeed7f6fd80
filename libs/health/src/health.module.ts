import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { type Dependency, HEALTH_DEPENDENCIES, HealthController } from './health.controller';
import { ClickHouseHealthIndicator } from './indicators/clickhouse.health';
import { KafkaHealthIndicator } from './indicators/kafka.health';
import { OdbcHealthIndicator } from './indicators/odbc.health';
import { RedisHealthIndicator } from './indicators/redis.health';

/** /health for one app, checking exactly the dependencies it names. */
@Module({})
export class HealthModule {
  static forDependencies(dependencies: Dependency[]): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json' })],
      controllers: [HealthController],
      providers: [
        { provide: HEALTH_DEPENDENCIES, useValue: dependencies },
        KafkaHealthIndicator,
        ClickHouseHealthIndicator,
        RedisHealthIndicator,
        OdbcHealthIndicator,
      ],
    };
  }
}
