import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { ClickHouseHealthIndicator } from './indicators/clickhouse.health';
import { KafkaHealthIndicator } from './indicators/kafka.health';
import { OdbcHealthIndicator } from './indicators/odbc.health';
import { RedisHealthIndicator } from './indicators/redis.health';

export type Dependency = 'kafka' | 'clickhouse' | 'redis' | 'odbc';
export const HEALTH_DEPENDENCIES = Symbol('HEALTH_DEPENDENCIES');

/**
 * GET /health: readiness, one entry per dependency of this app, 503 naming what is down.
 * GET /health/live: liveness, 200 while the process serves requests.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    @Inject(HEALTH_DEPENDENCIES) private readonly dependencies: Dependency[],
    private readonly kafka: KafkaHealthIndicator,
    private readonly clickhouse: ClickHouseHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly odbc: OdbcHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: every dependency of this app, each up or down with a reason',
  })
  check(): Promise<HealthCheckResult> {
    return this.health.check(this.dependencies.flatMap((d) => this.checksFor(d)));
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is serving requests' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  private checksFor(dependency: Dependency): (() => Promise<HealthIndicatorResult>)[] {
    switch (dependency) {
      case 'kafka':
        return [() => this.kafka.check()];
      case 'clickhouse':
        return [() => this.clickhouse.check()];
      case 'redis':
        return [() => this.redis.check()];
      case 'odbc':
        return this.odbc.checks();
    }
  }
}
