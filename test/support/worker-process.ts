import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfig } from '@ctxb/config';
import { freePort } from './test-config';

const MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'worker', 'src', 'main.js');

/**
 * The built worker app as a process of its own, configured with `config` (written as an overlay
 * file), so a test can kill it the hard way.
 */
export async function startWorkerProcess(config: AppConfig): Promise<ChildProcess> {
  const file = join(mkdtempSync(join(tmpdir(), 'ctxb-worker-')), 'config.json');
  const port = await freePort();
  writeFileSync(
    file,
    JSON.stringify({
      ...config,
      worker: { ...config.worker, http: { ...config.worker.http, port } },
    }),
  );
  return spawn('node', [MAIN], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, CTXB_CONFIG: file },
    stdio: process.env.TEST_LOG ? 'inherit' : 'ignore',
  });
}
