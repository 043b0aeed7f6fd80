import type { ChildProcess } from 'node:child_process';
import { type AppConfig } from '@ctxb/config';
import { type AppDefinition } from '@ctxb/observability';
import { engineApp } from '../../apps/engine/src/engine.app';
import { gatewayApp } from '../../apps/gateway/src/gateway.app';
import { workerApp } from '../../apps/worker/src/worker.app';
import { getJson, poll, startInProcess, type RunningApp } from '../support/http';
import { startRedis } from '../support/redis-server';
import { freePort, testConfig } from '../support/test-config';

interface HealthBody {
  status: string;
  info: Record<string, { status: string }>;
  error: Record<string, { status: string; message?: string }>;
}

async function health(app: RunningApp): Promise<{ status: number; body: HealthBody }> {
  const { status, body } = await getJson(`${app.url}/health`);
  return { status, body: body as unknown as HealthBody };
}

describe.each<[string, AppDefinition, string[]]>([
  ['gateway', gatewayApp, ['kafka', 'clickhouse', 'redis']],
  ['engine', engineApp, ['kafka', 'clickhouse', 'redis']],
  ['worker', workerApp, ['redis', 'odbc:erp-postgres', 'odbc:erp-mariadb']],
])('%s health', (_name, definition, dependencies) => {
  let app: RunningApp;
  afterEach(() => app?.close());

  it('reports every dependency up', async () => {
    app = await startInProcess(definition, testConfig());
    const { status, body } = await health(app);
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(Object.keys(body.info).sort()).toEqual([...dependencies].sort());
    for (const dependency of dependencies) expect(body.info[dependency].status).toBe('up');
  });

  it('answers liveness and serves Prometheus metrics', async () => {
    app = await startInProcess(definition, testConfig());
    expect((await getJson(`${app.url}/health/live`)).body).toEqual({ status: 'ok' });
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toContain(`ctxb_process_cpu_user_seconds_total{app="${definition.name}"}`);
  });
});

/** A throw-away redis-server of the test's own, so stopping it disturbs nothing else. */
describe('health with one dependency down names exactly that dependency', () => {
  let app: RunningApp;
  afterEach(() => app?.close());

  async function expectOnlyDown(
    config: AppConfig,
    definition: AppDefinition,
    down: string,
    up: string[],
  ) {
    app = await startInProcess(definition, config);
    const { status, body } = await health(app);
    expect(status).toBe(503);
    expect(body.status).toBe('error');
    expect(Object.keys(body.error)).toEqual([down]);
    expect(body.error[down].status).toBe('down');
    expect(body.error[down].message).toBeTruthy();
    expect(Object.keys(body.info).sort()).toEqual(up.sort());
  }

  it('gateway: Kafka unreachable', async () => {
    const port = await freePort();
    const config = testConfig((c) => (c.kafka.brokers = [`127.0.0.1:${port}`]));
    await expectOnlyDown(config, gatewayApp, 'kafka', ['clickhouse', 'redis']);
  });

  it('engine: ClickHouse unreachable', async () => {
    const port = await freePort();
    const config = testConfig((c) => (c.clickhouse.url = `http://127.0.0.1:${port}`));
    await expectOnlyDown(config, engineApp, 'clickhouse', ['kafka', 'redis']);
  });

  it('worker: one ERP database unreachable', async () => {
    const port = await freePort();
    const config = testConfig((c) =>
      c.odbc.connections.push({
        name: 'erp-offline',
        connectionString: `Driver={PostgreSQL Unicode};Servername=127.0.0.1;Port=${port};Database=erp;Username=postgres`,
      }),
    );
    await expectOnlyDown(config, workerApp, 'odbc:erp-offline', [
      'redis',
      'odbc:erp-postgres',
      'odbc:erp-mariadb',
    ]);
  });

  describe('a Redis that is stopped while the app runs', () => {
    let redis: ChildProcess | undefined;
    afterEach(() => {
      redis?.kill('SIGKILL');
    });

    it('turns from up to down for redis only', async () => {
      const port = await freePort();
      redis = startRedis(port);
      const config = testConfig((c) => (c.redis.port = port));
      app = await startInProcess(gatewayApp, config);
      await poll('redis up', async () => ((await health(app)).status === 200 ? true : undefined));

      const exited = new Promise((resolve) => redis!.once('exit', resolve));
      redis.kill('SIGTERM');
      await exited;

      const { status, body } = await health(app);
      expect(status).toBe(503);
      expect(Object.keys(body.error)).toEqual(['redis']);
      expect(Object.keys(body.info).sort()).toEqual(['clickhouse', 'kafka']);
    });

    it('reports a Redis that may evict keys as down', async () => {
      const port = await freePort();
      redis = startRedis(port, ['--maxmemory-policy', 'allkeys-lru']);
      const config = testConfig((c) => (c.redis.port = port));
      app = await startInProcess(workerApp, config);
      const body = await poll('redis answering', async () => {
        const result = await health(app);
        return result.body.error?.redis?.message?.includes('allkeys-lru') ? result : undefined;
      });
      expect(body.status).toBe(503);
      expect(body.body.error.redis.message).toMatch(/noeviction/);
    });
  });
});
