import { loadConfig, projectRoot, type AppConfig } from '@ctxb/config';
import { ClickHouseLocalService } from './clickhouse.local-service';
import { KafkaLocalService } from './kafka.local-service';
import type { LocalService, Progress, ServiceStatus } from './local-service';
import { LocalServicesContext } from './local-services.context';
import { OdbcLocalService } from './odbc.local-service';
import { RedisLocalService } from './redis.local-service';
import {
  mariadbEngine,
  postgresEngine,
  RelationalDatabaseLocalService,
} from './relational-database.local-service';

export const SERVICE_NAMES = [
  'redis',
  'postgresql',
  'mariadb',
  'odbc',
  'clickhouse',
  'kafka',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Every service Context Bridge needs locally, in start order (ODBC after the databases it reaches). */
export class LocalServices {
  readonly all: LocalService[];

  constructor(config: AppConfig = loadConfig(), root: string = projectRoot()) {
    const context = new LocalServicesContext(root, config);
    this.all = [
      new RedisLocalService(context),
      new RelationalDatabaseLocalService(context, postgresEngine()),
      new RelationalDatabaseLocalService(context, mariadbEngine()),
      new OdbcLocalService(context),
      new ClickHouseLocalService(context),
      new KafkaLocalService(context),
    ];
  }

  select(names: string[]): LocalService[] {
    if (names.length === 0) return this.all;
    const unknown = names.filter((n) => !this.all.some((s) => s.name === n));
    if (unknown.length > 0) {
      throw new Error(`unknown service ${unknown.join(', ')}; known: ${SERVICE_NAMES.join(', ')}`);
    }
    return this.all.filter((s) => names.includes(s.name));
  }

  async up(progress: Progress, names: string[] = []): Promise<ServiceStatus[]> {
    const services = this.select(names);
    for (const service of services) await service.up(progress);
    return this.status(names);
  }

  async down(progress: Progress, names: string[] = []): Promise<void> {
    for (const service of [...this.select(names)].reverse()) await service.down(progress);
  }

  status(names: string[] = []): Promise<ServiceStatus[]> {
    return Promise.all(this.select(names).map((s) => s.status()));
  }
}

export function renderStatusTable(statuses: ServiceStatus[]): string {
  const rows = statuses.map((s) => [
    s.name,
    s.healthy ? 'up' : 'DOWN',
    s.version ?? '-',
    s.address,
    [
      ...s.details,
      ...(s.managed ? [`started by this project${s.pid ? ` (pid ${s.pid})` : ''}`] : []),
    ].join('; '),
  ]);
  const header = ['SERVICE', 'STATE', 'VERSION', 'ADDRESS', 'DETAILS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
