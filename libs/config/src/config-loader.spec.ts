import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationException } from './configuration.exception';
import {
  environmentVariableName,
  loadConfig,
  resolveConfig,
  type ConfigLayer,
} from './config-loader';

function problemsOf(fn: () => unknown): ConfigurationException['problems'] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigurationException) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigurationException');
}

describe('loadConfig with the shipped config/default.yaml', () => {
  it('loads and validates every default', () => {
    const config = loadConfig({ env: {} });
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.redis.port).toBe(6379);
    expect(config.gateway.http.port).toBe(3000);
    expect(config.odbc.connections.map((c) => c.name)).toEqual(['erp-postgres', 'erp-mariadb']);
  });

  it('applies environment overrides with the type of the key', () => {
    const config = loadConfig({
      env: {
        CTXB_KAFKA_BROKERS: '10.0.0.1:9092, 10.0.0.2:9092',
        CTXB_GATEWAY_HTTP_PORT: '8080',
        CTXB_LOG_PRETTY: 'true',
        CTXB_CLICKHOUSE_PASSWORD: 's3cret',
      },
    });
    expect(config.kafka.brokers).toEqual(['10.0.0.1:9092', '10.0.0.2:9092']);
    expect(config.gateway.http.port).toBe(8080);
    expect(config.log.pretty).toBe(true);
    expect(config.clickhouse.password).toBe('s3cret');
  });

  it('names the variable, the key and the expectation for a bad environment value', () => {
    const problems = problemsOf(() => loadConfig({ env: { CTXB_REDIS_PORT: 'six' } }));
    expect(problems).toEqual([
      expect.objectContaining({ key: 'redis.port', source: 'env CTXB_REDIS_PORT', shown: '"six"' }),
    ]);
    expect(problems[0].expected).toMatch(/integer/);
  });

  it('takes the S3 lake from the environment, and names a bad bucket or endpoint', () => {
    const config = loadConfig({
      env: { CTXB_LAKE_S3_BUCKET: 'ctxb-lake', CTXB_LAKE_S3_FORCE_PATH_STYLE: 'true' },
    });
    expect(config.lake.s3).toMatchObject({ bucket: 'ctxb-lake', forcePathStyle: true });
    expect(loadConfig({ env: {} }).lake.s3.bucket).toBe('');
    const problems = problemsOf(() =>
      loadConfig({
        env: { CTXB_LAKE_S3_BUCKET: 'My_Bucket', CTXB_LAKE_S3_ENDPOINT: 'minio:9000' },
      }),
    );
    expect(problems.map((p) => [p.key, p.source])).toEqual([
      ['lake.s3.bucket', 'env CTXB_LAKE_S3_BUCKET'],
      ['lake.s3.endpoint', 'env CTXB_LAKE_S3_ENDPOINT'],
    ]);
    expect(problems[0].expected).toMatch(/S3 bucket name/);
  });

  it('rejects an unknown CTXB_ variable and suggests the closest key', () => {
    const problems = problemsOf(() => loadConfig({ env: { CTXB_KAFKA_BROKER: 'x:1' } }));
    expect(problems[0].key).toBe('CTXB_KAFKA_BROKER');
    expect(problems[0].expected).toContain('did you mean CTXB_KAFKA_BROKERS?');
  });

  it('reads overlay files from CTXB_CONFIG and names the overlay in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctxb-config-'));
    const overlay = join(dir, 'local.yaml');
    writeFileSync(overlay, 'redis:\n  port: 70000\nkafka:\n  brokerz: [a:1]\n');
    const problems = problemsOf(() => loadConfig({ env: { CTXB_CONFIG: overlay } }));
    const keys = problems.map((p) => p.key).sort();
    expect(keys).toEqual(['kafka.brokerz', 'redis.port']);
    for (const problem of problems) expect(problem.source).toContain('local.yaml');
  });

  it('reports a YAML syntax error with the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctxb-config-'));
    const overlay = join(dir, 'broken.yaml');
    writeFileSync(overlay, 'redis:\n  port: [1, 2\n');
    const problems = problemsOf(() => loadConfig({ env: { CTXB_CONFIG: overlay } }));
    expect(problems[0]).toEqual(expect.objectContaining({ key: '(syntax)' }));
    expect(problems[0].source).toContain('broken.yaml');
  });

  it('reports a missing overlay file', () => {
    const problems = problemsOf(() => loadConfig({ env: { CTXB_CONFIG: '/nonexistent/x.yaml' } }));
    expect(problems[0].expected).toMatch(/exist/);
  });
});

describe('resolveConfig', () => {
  const base = (): ConfigLayer => ({
    source: 'config/default.yaml',
    values: loadConfigTree(),
  });

  it('lets later layers win key by key and replaces lists whole', () => {
    const config = resolveConfig(
      [
        base(),
        {
          source: 'config/local.yaml',
          values: { kafka: { brokers: ['b:1'] }, odbc: { connections: [] } },
        },
      ],
      {},
    );
    expect(config.kafka.brokers).toEqual(['b:1']);
    expect(config.kafka.clientId).toBe('context-bridge');
    expect(config.odbc.connections).toEqual([]);
  });

  it('reports every problem at once with array positions', () => {
    const problems = problemsOf(() =>
      resolveConfig(
        [
          base(),
          {
            source: 'config/local.yaml',
            values: {
              odbc: { connections: [{ name: 'Bad Name', connectionString: 'PWD=x' }] },
              kafka: { brokers: ['no-port'] },
              log: { level: 'loud' },
            },
          },
        ],
        {},
      ),
    );
    expect(problems.map((p) => p.key).sort()).toEqual([
      'kafka.brokers',
      'log.level',
      'odbc.connections[0].name',
    ]);
    expect(problems.every((p) => p.source === 'config/local.yaml')).toBe(true);
  });

  it('never shows secret values', () => {
    const problems = problemsOf(() =>
      resolveConfig([base(), { source: 'x.yaml', values: { redis: { password: 42 } } }], {}),
    );
    expect(problems[0]).toEqual(
      expect.objectContaining({ key: 'redis.password', shown: '(hidden)' }),
    );
    expect(problems[0].expected).toMatch(/string/);
  });

  it('names a missing section', () => {
    const values = loadConfigTree();
    delete values.health;
    const problems = problemsOf(() => resolveConfig([{ source: 'd.yaml', values }], {}));
    expect(problems[0]).toEqual(expect.objectContaining({ key: 'health', source: '(missing)' }));
  });
});

describe('environmentVariableName', () => {
  it.each([
    [['gateway', 'http', 'port'], 'CTXB_GATEWAY_HTTP_PORT'],
    [['kafka', 'clientId'], 'CTXB_KAFKA_CLIENT_ID'],
    [['clickhouse', 'requestTimeoutMs'], 'CTXB_CLICKHOUSE_REQUEST_TIMEOUT_MS'],
    [['odbc', 'loginTimeoutSeconds'], 'CTXB_ODBC_LOGIN_TIMEOUT_SECONDS'],
  ])('%j → %s', (path, name) => {
    expect(environmentVariableName(path)).toBe(name);
  });
});

function loadConfigTree(): Record<string, unknown> {
  const config = loadConfig({ env: {} });
  return JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
}
