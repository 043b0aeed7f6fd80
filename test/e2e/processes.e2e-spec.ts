import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getJson, poll } from '../support/http';
import { freePort } from '../support/test-config';

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
});

describe('the ctxb command', () => {
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

  it('demo starts the services and every app, and reports them healthy', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...ISOLATED_ENGINE };
    for (const app of ['GATEWAY', 'ENGINE', 'WORKER'])
      env[`CTXB_${app}_HTTP_PORT`] = String(await freePort());
    const result = spawnSync('node', [main('cli'), 'demo'], {
      encoding: 'utf8',
      cwd: ROOT,
      env,
      timeout: 120_000,
    });
    expect(result.status).toBe(0);
    for (const app of ['gateway', 'engine', 'worker']) {
      expect(result.stdout).toMatch(
        new RegExp(
          `^${app}\\s+healthy\\s+http://127\\.0\\.0\\.1:${env[`CTXB_${app.toUpperCase()}_HTTP_PORT`]}`,
          'm',
        ),
      );
    }
    expect(result.stdout).toContain(
      `API docs (OpenAPI):  http://127.0.0.1:${env.CTXB_GATEWAY_HTTP_PORT}/docs`,
    );
    // The story went through the collector: new events accepted, or all seen by an earlier run.
    expect(result.stdout).toMatch(
      /collector accepted \d+( \(\d+ already sent by an earlier run\))?, rejected 0/,
    );
    const [, accepted, seen] = /collector accepted (\d+)(?: \((\d+) already)?/.exec(result.stdout)!;
    expect(Number(accepted) + Number(seen ?? 0)).toBeGreaterThan(40);
  });

  it('rejects an unknown command with help', () => {
    const result = ctxb('servics');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/unknown command 'servics'/);
  });
});
