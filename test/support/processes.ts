import { execFile, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** Sends a signal to a child process and waits for it to be gone. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** What a finished CLI run printed, and its exit code. */
export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `ctxb` CLI without blocking this process: a test that hosts the apps the CLI
 * talks to (say, a worker whose job `dlq replay` waits for) must keep them running meanwhile,
 * which `spawnSync` would not.
 */
export function runCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  const main = join(__dirname, '..', '..', 'dist', 'apps', 'cli', 'src', 'main.js');
  return new Promise((resolve) => {
    execFile(
      'node',
      [main, ...args],
      {
        encoding: 'utf8',
        env: options.env ?? process.env,
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) =>
        resolve({
          status: error ? (typeof error.code === 'number' ? error.code : null) : 0,
          stdout,
          stderr,
        }),
    );
  });
}
