import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { commandExists, ensureDir, ManagedProcess, reason, waitUntil } from './host';
import type { LocalService, Progress, ServiceStatus } from './local-service';
import type { LocalServicesContext } from './local-services.context';

/**
 * ClickHouse from Debian's clickhouse-server package, run with a project-local config
 * (data under .local/clickhouse). Debian ships 18.16, so Context Bridge's SQL sticks to
 * what 18.16 and current releases both understand.
 */
export class ClickHouseLocalService implements LocalService {
  readonly name = 'clickhouse';
  private readonly process: ManagedProcess;
  private readonly url: URL;

  constructor(private readonly context: LocalServicesContext) {
    this.process = new ManagedProcess(context.state('clickhouse', 'clickhouse.pid'));
    this.url = new URL(context.config.clickhouse.url);
  }

  async status(): Promise<ServiceStatus> {
    const address = this.url.host;
    const pid = this.process.pid();
    const managed = pid !== undefined;
    const { database } = this.context.config.clickhouse;
    try {
      const version = await this.query('SELECT version()');
      const databases = (await this.query('SHOW DATABASES')).split('\n');
      const hasDatabase = databases.includes(database);
      if (hasDatabase) await this.probeWrite(database);
      return {
        name: this.name,
        healthy: true,
        version,
        address,
        details: [hasDatabase ? `database ${database}` : `database ${database} missing`],
        managed,
        pid,
      };
    } catch (error) {
      return { name: this.name, healthy: false, address, details: [reason(error)], managed, pid };
    }
  }

  async up(progress: Progress): Promise<void> {
    if (!(await this.reachable())) {
      if (this.process.pid() === undefined) await this.start(progress);
      await waitUntil(
        'ClickHouse',
        () => this.reachable(),
        60_000,
        () => `See ${this.context.state('clickhouse', 'log')}.`,
      );
    }
    const { database } = this.context.config.clickhouse;
    await this.query(`CREATE DATABASE IF NOT EXISTS ${database}`);
  }

  async down(progress: Progress): Promise<void> {
    if (await this.process.stop()) progress.step('clickhouse: stopped');
  }

  private async start(progress: Progress): Promise<void> {
    if (!(await commandExists('clickhouse-server'))) {
      await this.context.packages.ensure(['clickhouse-server', 'clickhouse-client'], progress);
    }
    const dir = ensureDir(this.context.state('clickhouse'));
    const configFile = this.writeConfig(dir);
    progress.step(`clickhouse: starting on ${this.url.host}`);
    this.process.start(
      'clickhouse-server',
      [`--config-file=${configFile}`],
      join(dir, 'log', 'stdout.log'),
    );
  }

  /**
   * Creates and drops a table: a server that answers queries but lost its data directory
   * (deleted under a running process) cannot write metadata and must not count as healthy.
   */
  private async probeWrite(database: string): Promise<void> {
    try {
      await this.query(
        `CREATE TABLE IF NOT EXISTS ${database}._ctxb_write_probe (x UInt8) ENGINE = Memory`,
      );
      await this.query(`DROP TABLE IF EXISTS ${database}._ctxb_write_probe`);
    } catch (error) {
      throw new Error(`answers but cannot write (data directory gone?): ${reason(error)}`, {
        cause: error,
      });
    }
  }

  private async reachable(): Promise<boolean> {
    try {
      await this.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  private async query(sql: string): Promise<string> {
    const { username, password } = this.context.config.clickhouse;
    const client = createClient({
      url: this.url.origin,
      username,
      password,
      request_timeout: 3000,
      log: { level: ClickHouseLogLevel.OFF },
    });
    try {
      const result = await client.query({ query: sql, format: 'TabSeparated' });
      return (await result.text()).trim();
    } finally {
      await client.close();
    }
  }

  private writeConfig(dir: string): string {
    const data = ensureDir(join(dir, 'data'));
    const log = ensureDir(join(dir, 'log'));
    const tcpPort = Number(this.url.port || 8123) + 877; // 8123 → 9000, ClickHouse's usual pair
    const { username, password } = this.context.config.clickhouse;
    writeFileSync(
      join(dir, 'config.xml'),
      `<?xml version="1.0"?>
<!-- Written by \`ctxb services up\`. -->
<yandex>
  <logger>
    <level>warning</level>
    <log>${log}/server.log</log>
    <errorlog>${log}/server.err.log</errorlog>
    <size>100M</size>
    <count>3</count>
  </logger>
  <listen_host>${this.url.hostname}</listen_host>
  <http_port>${this.url.port || 8123}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <path>${data}/</path>
  <tmp_path>${data}/tmp/</tmp_path>
  <user_files_path>${data}/user_files/</user_files_path>
  <format_schema_path>${data}/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>536870912</mark_cache_size>
  <uncompressed_cache_size>536870912</uncompressed_cache_size>
  <max_concurrent_queries>200</max_concurrent_queries>
</yandex>
`,
    );
    writeFileSync(
      join(dir, 'users.xml'),
      `<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <max_memory_usage>6000000000</max_memory_usage>
    </default>
  </profiles>
  <users>
    <${username}>
      <password>${escapeXml(password)}</password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </${username}>
  </users>
  <quotas>
    <default>
      <interval>
        <duration>3600</duration>
        <queries>0</queries>
        <errors>0</errors>
        <result_rows>0</result_rows>
        <read_rows>0</read_rows>
        <execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
`,
    );
    return join(dir, 'config.xml');
  }
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
