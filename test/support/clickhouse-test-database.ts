import type { ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseConfig } from '@ctxb/config';
import { createClickHouse, sqlIdentifier } from '@ctxb/store';
import { testConfig, uniqueName } from './test-config';

/**
 * A ClickHouse database of the test's own on the local server, named after `prefix`, and a
 * client on it. `create` makes it empty (the test writes the schema it needs); `drop` closes
 * the client and removes the database.
 */
export class ClickHouseTestDatabase {
  readonly name: string;
  readonly client: ClickHouseClient;
  /** The connection settings with this database chosen, for an app or a CLI run. */
  readonly config: ClickHouseConfig;
  private readonly admin: ClickHouseClient;

  constructor(prefix: string, server: ClickHouseConfig = testConfig().clickhouse) {
    this.name = uniqueName(prefix);
    this.config = { ...server, database: this.name };
    this.client = createClickHouse(this.config);
    this.admin = createClickHouse({ ...server, database: 'default' });
  }

  async create(): Promise<void> {
    await this.admin.command({ query: `CREATE DATABASE ${sqlIdentifier(this.name)}` });
  }

  async drop(): Promise<void> {
    await this.client.close();
    await this.admin.command({ query: `DROP DATABASE IF EXISTS ${sqlIdentifier(this.name)}` });
    await this.admin.close();
  }
}
