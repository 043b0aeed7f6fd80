import {
  Injectable,
  InternalServerErrorException,
  Logger,
  ServiceUnavailableException,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import { AppConfig } from '@ctxb/config';
import {
  ContextRecordStore,
  createClickHouse,
  DeliveryLogStore,
  ErpAmountStore,
  isQueryRefused,
} from '@ctxb/store';

/**
 * The gateway's access to the context store. The schema is brought up to date on first use
 * (the engine does it too; both may), so the gateway starts and reports ClickHouse on /health
 * while it is down; a read that cannot reach the store answers 503, one ClickHouse refuses
 * (a fault of ours, logged) answers 500.
 */
@Injectable()
export class GatewayStore implements OnApplicationShutdown {
  readonly client: ClickHouseClient;
  readonly records: ContextRecordStore;
  readonly deliveries: DeliveryLogStore;
  readonly erpAmounts: ErpAmountStore;
  private readonly logger = new Logger('GatewayStore');
  private schema: Promise<void> | undefined;

  constructor(config: AppConfig) {
    this.client = createClickHouse(config.clickhouse);
    this.records = new ContextRecordStore(this.client);
    this.deliveries = new DeliveryLogStore(this.client);
    this.erpAmounts = new ErpAmountStore(this.client);
  }

  async read<T>(work: (store: GatewayStore) => Promise<T>): Promise<T> {
    try {
      await (this.schema ??= this.records.ensureSchema().catch((error: unknown) => {
        this.schema = undefined;
        throw error;
      }));
      return await work(this);
    } catch (error) {
      // ClickHouse answered with an error: a query of ours is wrong, retrying will not help.
      if (isQueryRefused(error)) {
        this.logger.error({ err: (error as Error).message }, 'store query failed');
        throw new InternalServerErrorException('the store could not answer this query', {
          cause: error,
        });
      }
      throw new ServiceUnavailableException('the context store is unavailable; retry later', {
        cause: error,
      });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
