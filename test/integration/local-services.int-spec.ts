import { LocalServices } from '../../apps/cli/src/local-services/local-services';
import type { ServiceStatus } from '../../apps/cli/src/local-services/local-service';

describe('ctxb services (on the real machine)', () => {
  const services = new LocalServices();

  it('a second `up` is a no-op: nothing to install or start, every service healthy', async () => {
    const steps: string[] = [];
    const started = Date.now();
    const statuses = await services.up({
      step: (m) => steps.push(m),
      notice: (m) => steps.push(m),
    });
    expect(steps).toEqual([]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(statuses.filter((s) => !s.healthy)).toEqual([]);
  });

  describe('status reports what matters about each service', () => {
    let byName: Map<string, ServiceStatus>;
    beforeAll(async () => {
      byName = new Map((await services.status()).map((s) => [s.name, s]));
    });

    it('lists all six services', () => {
      expect([...byName.keys()]).toEqual([
        'redis',
        'postgresql',
        'mariadb',
        'odbc',
        'clickhouse',
        'kafka',
      ]);
    });

    it('Kafka 3.9.x in KRaft mode with its broker id, auto-creation off', () => {
      const kafka = byName.get('kafka')!;
      expect(kafka.version).toMatch(/^3\.9\.\d+$/);
      expect(kafka.address).toBe('127.0.0.1:9092');
      expect(kafka.details).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^KRaft \(process\.roles=broker,controller\)$/),
          'broker id 1',
          'auto-create off',
        ]),
      );
    });

    it('ClickHouse with its version and the configured database', () => {
      const clickhouse = byName.get('clickhouse')!;
      expect(clickhouse.version).toMatch(/^\d+\.\d+/);
      expect(clickhouse.details).toContain('database context_bridge');
    });

    it('Redis with noeviction and AOF, as BullMQ requires', () => {
      expect(byName.get('redis')!.details).toEqual([
        'maxmemory-policy=noeviction',
        'appendonly=yes',
      ]);
    });

    it('PostgreSQL and MariaDB with the erp database', () => {
      for (const name of ['postgresql', 'mariadb']) {
        const db = byName.get(name)!;
        expect(db.version).toMatch(/^\d+\.\d+/);
        expect(db.details).toContain('database erp');
      }
    });

    it('ODBC with both drivers and both DSNs connecting', () => {
      const odbc = byName.get('odbc')!;
      expect(odbc.version).toMatch(/^unixODBC \d+\.\d+/);
      expect(odbc.details).toEqual([
        'drivers: PostgreSQL Unicode, MariaDB Unicode',
        'DSN ctxb_erp_postgres: connects',
        'DSN ctxb_erp_mariadb: connects',
      ]);
    });
  });

  it('rejects an unknown service name', () => {
    expect(() => services.select(['zookeeper'])).toThrow(/unknown service zookeeper/);
  });
});
