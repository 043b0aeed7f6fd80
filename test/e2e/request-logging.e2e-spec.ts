import { storage } from 'nestjs-pino/storage';
import { gatewayApp } from '../../apps/gateway/src/gateway.app';
import { workerApp } from '../../apps/worker/src/worker.app';
import { startInProcess, type RunningApp } from '../support/http';
import { testConfig } from '../support/test-config';

/**
 * The request logger's AsyncLocalStorage: once it has run, Node calls its hooks for every
 * promise of the process (on Node 20 its `enabled` says whether they are on).
 */
const hooked = () => (storage as unknown as { enabled: boolean }).enabled;

describe('request logging and scrapes', () => {
  let apps: RunningApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.map((a) => a.close()));
    apps = [];
  });

  it('health checks and metrics scrapes leave every promise unhooked; an API request logs', async () => {
    const worker = await startInProcess(workerApp, testConfig());
    apps.push(worker);
    for (const path of ['/health', '/health/live', '/metrics'])
      expect((await fetch(`${worker.url}${path}`)).status).toBe(200);
    expect(hooked()).toBe(false);

    // The gateway's API goes through the logger, with its request id.
    const gateway = await startInProcess(gatewayApp, testConfig());
    apps.push(gateway);
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(200);
    expect(hooked()).toBe(false);
    const response = await fetch(`${gateway.url}/v1/contexts/ctx-none`, {
      headers: { 'x-request-id': 'req-logging-test' },
    });
    expect(response.status).toBe(401);
    expect(hooked()).toBe(true);
  });
});
