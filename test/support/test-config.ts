import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { type AppConfig, loadConfig } from '@ctxb/config';

/** The shipped defaults (pointing at the local services), quiet logs, plus the test's changes. */
export function testConfig(change: (config: AppConfig) => void = () => undefined): AppConfig {
  const config = loadConfig({ env: {} });
  config.log.level = 'silent';
  config.health.timeoutMs = 1000;
  // An engine app archives raw events only in the tests about the archive (own group, own database).
  config.archive.enabled = false;
  config.lake.enabled = false;
  // Link jobs and their delivery only in the tests about them (own queues, own ERP database).
  config.links.connectors = [];
  config.panel.secret = 'test-panel-secret-0123456789abcdef';
  change(config);
  return config;
}

/** A name no other test uses: topics, queues, tables, consumer groups. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
