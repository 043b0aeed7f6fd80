import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

/**
 * A Redis server of the test's own on `port` (the shared one must not be stopped), keeping its
 * data in `dir`: start it again on the same folder to restart it.
 */
export function startRedis(
  port: number,
  settings: string[] = [],
  dir: string = mkdtempSync(`${tmpdir()}/ctxb-redis-`),
): ChildProcess {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir];
  return spawn('redis-server', [...args, ...settings], { stdio: 'ignore' });
}
