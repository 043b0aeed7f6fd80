import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { AppConfig } from '@ctxb/config';
import { errorMessage, withTimeout } from './with-timeout';

/** Up when ClickHouse answers a query; reports its version. */
@Injectable()
export class ClickHouseHealthIndicator {
  constructor(
    private readonly config: AppConfig,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key = 'clickhouse'): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    const { url, username, password } = this.config.clickhouse;
    const client = createClient({
      url,
      username,
      password,
      request_timeout: this.config.health.timeoutMs,
      log: { level: ClickHouseLogLevel.OFF },
    });
    try {
      const version = await withTimeout(
        client
          .query({ query: 'SELECT version() AS version', format: 'JSONEachRow' })
          .then(async (r) => {
            const rows = await r.json<{ version: string }>();
            return rows[0]?.version;
          }),
        this.config.health.timeoutMs,
        'ClickHouse',
      );
      return indicator.up({ version });
    } catch (error) {
      return indicator.down({ message: errorMessage(error) });
    } finally {
      await client.close().catch(() => undefined);
    }
  }
}
