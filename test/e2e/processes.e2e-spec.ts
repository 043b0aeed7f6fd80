import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { EVENT_CATALOGUE, Topic } from '@ctxb/events';
import { ORDER_12345, trafficEvents } from '@ctxb/simulation';
import { holdEventTimeLock, withLockWait } from '../support/event-time-lock';
import { getJson, poll } from '../support/http';
import { freePort, testConfig, uniqueName } from '../support/test-config';

const ROOT = join(__dirname, '..', '..');
const main = (app: string) => join(ROOT, 'dist', 'apps', app, 'src', 'main.js');

// Engines started here use their own consumer group and read only new events, so they
// neither replay the shared topics' history nor take records from other tests.
const ISOLATED_ENGINE = {
  CTXB_ENGINE_GROUP_ID: `test-processes-${process.pid}-${Date.now()}`,
  CTXB_ENGINE_START_FROM_BEGINNING: 'false',
  CTXB_ARCHIVE_ENABLED: 'false',
  CTXB_LAKE_ENABLED: 'false',
};

/** Drops a database the demo made (its tables with it). */
async function dropDatabase(name: string): Promise<void> {
  const client = createClient({ url: testConfig().clickhouse.url });
  await client.command({ query: `DROP DATABASE IF EXISTS ${name}` });
  await client.close();
}

describe.each(['gateway', 'engine', 'worker'])('the built %s process', (app) => {
  it('starts, reports healthy, and shuts down on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn('node', [main(app)], {
      env: {
        ...process.env,
        ...ISOLATED_ENGINE,
        [`CTXB_${app.toUpperCase()}_HTTP_PORT`]: String(port),
        CTXB_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      const health = await poll(`${app} healthy`, async () => {
        const result = await getJson(`http://127.0.0.1:${port}/health`);
        return result.status === 200 ? result.body : undefined;
      });
      expect(health.status).toBe('ok');
    } catch (error) {
      throw new Error(`${String(error)}\n${output}`, { cause: error });
    } finally {
      child.kill('SIGTERM');
    }
    // Exit code 0 only comes from the app's own SIGTERM handler after app.close() completed.
    expect(await exited).toEqual({ code: 0, signal: null });
  });
});

describe('configuration errors stop a process with the key, the source and the expectation', () => {
  it('names a bad environment variable', () => {
    const result = spawnSync('node', [main('worker')], {
      env: { ...process.env, CTXB_REDIS_PORT: 'sixty' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('redis.port = "sixty" (from env CTXB_REDIS_PORT)');
    expect(result.stderr).toMatch(/integer/);
  });

  it('names the overlay file that holds a bad value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctxb-e2e-'));
    const file = join(dir, 'production.yaml');
    writeFileSync(file, 'gateway:\n  http:\n    port: 0\nlog:\n  level: chatty\n');
    const result = spawnSync('node', [main('gateway')], {
      env: { ...process.env, CTXB_CONFIG: file },
      encoding: 'utf8',
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('Configuration is invalid (2 problems)');
    expect(result.stderr).toMatch(/gateway\.http\.port = 0 \(from .*production\.yaml\)/);
    expect(result.stderr).toMatch(/log\.level = "chatty" \(from .*production\.yaml\)/);
  });

  it('names the file and key of a connector profile the worker cannot read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctxb-e2e-'));
    const profile = join(dir, 'broken-erp.yaml');
    writeFileSync(
      profile,
      'connector: odbc\nconnection: { dsn: erp }\nmodules: { om: { table: t } }\n',
    );
    const file = join(dir, 'links.yaml');
    writeFileSync(
      file,
      `links:\n  connectors:\n    - { profile: ${JSON.stringify(profile)}, concurrency: 4, maxPerSecond: 0 }\n`,
    );
    const result = spawnSync('node', [main('worker')], {
      env: { ...process.env, CTXB_CONFIG: file },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain(`modules.om.each (from ${profile})`);
  });
});

describe('the ctxb command', () => {
  // The demo test waits for the event-time lock, then gives the demo up to 240 s.
  jest.setTimeout(withLockWait(300_000));

  const ctxb = (...args: string[]) =>
    spawnSync('node', [main('cli'), ...args], { encoding: 'utf8', cwd: ROOT, timeout: 60_000 });

  it('prints help for itself and each services command', () => {
    for (const args of [
      ['--help'],
      ['services', '--help'],
      ['services', 'up', '--help'],
      ['services', 'status', '--help'],
    ]) {
      const result = ctxb(...args);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^Usage: ctxb/);
    }
  });

  it('services status --json lists every service healthy', () => {
    const result = ctxb('services', 'status', '--json');
    expect(result.status).toBe(0);
    const statuses = JSON.parse(result.stdout) as { name: string; healthy: boolean }[];
    expect(statuses.map((s) => [s.name, s.healthy])).toEqual([
      ['redis', true],
      ['postgresql', true],
      ['mariadb', true],
      ['odbc', true],
      ['clickhouse', true],
      ['kafka', true],
    ]);
  });

  it('services status exits 1 and says which service is down', () => {
    const result = spawnSync('node', [main('cli'), 'services', 'status', 'kafka'], {
      encoding: 'utf8',
      env: { ...process.env, CTXB_KAFKA_BROKERS: '127.0.0.1:1' },
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^kafka\s+DOWN\s+/m);
  });

  it('demo runs the whole story: services, apps, order 12345 and generated journeys through Kafka to the report', async () => {
    const run = uniqueName('demo');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...ISOLATED_ENGINE,
      // Its own groups, store, state, journey topic, queue and lake; the archive on.
      CTXB_ENGINE_GROUP_ID: `${run}_engine`,
      CTXB_ARCHIVE_ENABLED: 'true',
      CTXB_CLICKHOUSE_DATABASE: run,
      CTXB_REDIS_KEY_PREFIX: run,
      CTXB_ENGINE_JOURNEY_TOPIC: `${run}_journeys`,
      CTXB_LINKS_QUEUE: `${run}-links`.replace(/_/g, '-'),
      CTXB_LAKE_ENABLED: 'true',
      CTXB_LAKE_DIRECTORY: join(tmpdir(), run),
    };
    for (const app of ['GATEWAY', 'ENGINE', 'WORKER'])
      env[`CTXB_${app}_HTTP_PORT`] = String(await freePort());
    const journeys = 120;
    // The demo writes March 2026 events; engines of other tests read the same topics.
    const release = await holdEventTimeLock(testConfig());
    let result: ReturnType<typeof spawnSync>;
    try {
      result = spawnSync('node', [main('cli'), 'demo', '--journeys', String(journeys)], {
        encoding: 'utf8',
        cwd: ROOT,
        env,
        timeout: 240_000,
      });
    } finally {
      await release();
      await dropDatabase(run);
      rmSync(env.CTXB_LAKE_DIRECTORY!, { recursive: true, force: true });
    }
    const stdout = String(result.stdout);
    // On a failure, what the demo said last shows where it was.
    expect({
      status: result.status,
      stdout: stdout.slice(-2000),
      stderr: String(result.stderr).slice(-2000),
    }).toMatchObject({ status: 0 });
    for (const app of ['gateway', 'engine', 'worker']) {
      expect(stdout).toMatch(
        new RegExp(
          `^${app}\\s+healthy\\s+http://127\\.0\\.0\\.1:${env[`CTXB_${app.toUpperCase()}_HTTP_PORT`]}`,
          'm',
        ),
      );
    }
    expect(stdout).toMatch(/collector accepted 60, rejected 0/);

    // Expected from the generated traffic itself (the demo's defaults: seed 42, March 2026).
    const traffic = trafficEvents({
      seed: 42,
      journeys,
      start: '2026-03-01',
      days: 30,
      includeStory: false,
    });
    const orders = traffic.filter((e) => e.type === 'order.placed');
    const devices = new Set(
      traffic
        .filter(
          (e) => e.anonymousid && EVENT_CATALOGUE.get(e.type)!.topic === Topic.CustomerJourney,
        )
        .map((e) => e.anonymousid),
    );
    expect(stdout).toContain(
      `${journeys} shoppers, ${traffic.length} events from 2026-03-01 over 30 days (seed 42): ${orders.length} orders`,
    );
    // Every order and the story's, and every journey, answered by the API.
    expect(stdout).toMatch(new RegExp(`^ {2}total +${orders.length + 1}\\.0 `, 'm'));
    expect(stdout).toContain(`(${devices.size + 1} journeys, `);
    expect(stdout).toContain(
      `Why did order 12345 convert?\n  ${ORDER_12345.total} EUR placed 2026-03-14 16:05 UTC by ${ORDER_12345.customerId}: 5 sessions over 3 days`,
    );
    for (const heading of [
      'True CAC by channel',
      'Which touchpoints matter',
      'What slow checkout costs',
      'Revenue by campaign across AR, GL and CRM',
      'High-intent signals against close rate',
    ])
      expect(stdout).toContain(heading);
    expect(stdout).toContain(
      `API docs (OpenAPI):  http://127.0.0.1:${env.CTXB_GATEWAY_HTTP_PORT}/docs`,
    );
    expect(stdout).toContain(`Parquet lake:        ${env.CTXB_LAKE_DIRECTORY}`);
  });

  it('rejects an unknown command with help', () => {
    const result = ctxb('servics');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/unknown command 'servics'/);
  });
});
