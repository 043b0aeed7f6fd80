import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import { AppConfig } from '@ctxb/config';
import { ContextRecordStore, createClickHouse } from '@ctxb/store';
import { ApiKeyGuard } from '../api/api-key.guard';
import { ContextsController } from './contexts.controller';

const CLICKHOUSE = Symbol('CLICKHOUSE');

/** GET /v1/contexts…: the drill-down API over the context store. */
@Module({
  controllers: [ContextsController],
  providers: [
    ApiKeyGuard,
    {
      provide: CLICKHOUSE,
      useFactory: (config: AppConfig) => createClickHouse(config.clickhouse),
      inject: [AppConfig],
    },
    {
      provide: ContextRecordStore,
      useFactory: (client: ClickHouseClient) => new ContextRecordStore(client),
      inject: [CLICKHOUSE],
    },
  ],
})
export class ContextsModule implements OnApplicationShutdown {
  constructor(@Inject(CLICKHOUSE) private readonly clickhouse: ClickHouseClient) {}

  async onApplicationShutdown(): Promise<void> {
    await this.clickhouse.close();
  }
}
