import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { connect } from 'odbc';
import { AppConfig, type OdbcConnectionConfig } from '@ctxb/config';
import { errorMessage, withTimeout } from './with-timeout';

/** One result per configured ERP connection (`odbc:<name>`): up when `SELECT 1` succeeds. */
@Injectable()
export class OdbcHealthIndicator {
  constructor(
    private readonly config: AppConfig,
    private readonly health: HealthIndicatorService,
  ) {}

  checks(): (() => Promise<HealthIndicatorResult>)[] {
    return this.config.odbc.connections.map((connection) => () => this.check(connection));
  }

  async check(connection: OdbcConnectionConfig): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(`odbc:${connection.name}`);
    const loginTimeout = Math.max(1, Math.ceil(this.config.health.timeoutMs / 1000));
    try {
      await withTimeout(
        (async () => {
          const db = await connect({ connectionString: connection.connectionString, loginTimeout });
          try {
            await db.query('SELECT 1');
          } finally {
            await db.close();
          }
        })(),
        this.config.health.timeoutMs,
        `ODBC connection ${connection.name}`,
      );
      return indicator.up();
    } catch (error) {
      // The message comes from the driver manager or driver; the connection string is never included.
      return indicator.down({ message: errorMessage(error) });
    }
  }
}
