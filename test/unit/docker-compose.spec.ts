import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '@ctxb/config';

/**
 * docker/compose.yaml cannot run here (no Docker engine), so this keeps it honest against
 * the configuration code: every app's environment must be accepted by the config loader
 * and point at the compose services.
 */
describe('docker/compose.yaml', () => {
  const root = join(__dirname, '..', '..');
  const compose = parse(readFileSync(join(root, 'docker', 'compose.yaml'), 'utf8'), {
    merge: true,
  }) as { services: Record<string, { environment?: Record<string, string>; command?: string[] }> };
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };

  it.each(['gateway', 'engine', 'worker'] as const)(
    '%s environment is a valid Context Bridge configuration',
    (app) => {
      const service = compose.services[app];
      // Started as `npm run start:<app>` starts it, node flags included.
      expect(service.command).toEqual(scripts[`start:${app}`].split(' '));
      expect(service.command?.at(-1)).toBe(`dist/apps/${app}/src/main.js`);
      const config = loadConfig({ env: service.environment ?? {} });
      expect(config.kafka.brokers).toEqual(['kafka:9092']);
      expect(config.clickhouse.url).toBe('http://clickhouse:8123');
      expect(config.redis.host).toBe('redis');
      expect(config[app].http.host).toBe('0.0.0.0');
    },
  );

  it('runs Redis as BullMQ requires and Kafka in KRaft mode without auto-creation', () => {
    expect(compose.services.redis.command).toEqual(
      expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']),
    );
    const kafka = compose.services.kafka.environment ?? {};
    expect(kafka.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(kafka.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
  });

  it('gives the worker image the DSNs the default configuration names', () => {
    const ini = readFileSync(join(root, 'docker', 'odbc', 'odbc.ini'), 'utf8');
    const dsns = [...ini.matchAll(/^\[(.+)\]$/gm)].map((m) => `DSN=${m[1]}`);
    const configured = loadConfig({ env: {} }).odbc.connections.map((c) => c.connectionString);
    expect(configured).toEqual(dsns);
  });
});
