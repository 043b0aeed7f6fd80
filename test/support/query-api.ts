import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { ApiScope, AppConfig } from '@ctxb/config';
import type { ContextRecord } from '@ctxb/context';
import { compactSettledMonths, ContextRecordStore } from '@ctxb/store';
import { gatewayApp } from '../../apps/gateway/src/gateway.app';
import { ClickHouseTestDatabase } from './clickhouse-test-database';
import { startInProcess } from './http';
import { testConfig } from './test-config';

/** The demo key of config/default.yaml (all scopes). */
export const DEMO_API_KEY = 'ctxb-demo-api-key';

export interface QueryApi {
  url: string;
  /** Merges every month of the roll-up table into one part, as the engine does once settled. */
  compact(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The gateway in this process over a ClickHouse database of its own holding `records` (and
 * whatever `seed` writes), with one more API key limited to `scopes` (to test 403s). Closing
 * drops the database.
 */
export async function startQueryApi(
  records: readonly ContextRecord[],
  limitedKey: { key: string; scopes: ApiScope[] },
  seed: (store: ContextRecordStore, client: ClickHouseClient) => Promise<void> = async () =>
    undefined,
  configure: (config: AppConfig) => void = () => undefined,
): Promise<QueryApi> {
  const database = new ClickHouseTestDatabase('e2e_query');
  const config = testConfig((c) => {
    c.clickhouse = { ...database.config };
    c.api.keys.push({
      name: 'limited',
      sha256: createHash('sha256').update(limitedKey.key).digest('hex'),
      scopes: limitedKey.scopes,
    });
    configure(c);
  });
  await database.create();
  const store = new ContextRecordStore(database.client);
  await store.ensureSchema();
  await store.write(records);
  await seed(store, database.client);
  const app = await startInProcess(gatewayApp, config);
  return {
    url: app.url,
    compact: async () => {
      await compactSettledMonths(database.client, { quietMs: 0 });
    },
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}
