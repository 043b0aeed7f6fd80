import { execFile, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import type { Progress } from './local-service';

/** Small, explicit wrappers around the host: commands, ports, pid files, Debian packages. */

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export class CommandFailedException extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | string | null,
    readonly output: string,
  ) {
    super(
      `${command} failed (exit ${String(exitCode)}):\n${output.trim().split('\n').slice(-15).join('\n')}`,
    );
    this.name = 'CommandFailedException';
  }
}

export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      {
        env: options.env ?? process.env,
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 600_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error) {
          const code = (error as NodeJS.ErrnoException & { code?: number | string }).code ?? null;
          reject(
            new CommandFailedException([command, ...args].join(' '), code, `${stdout}\n${stderr}`),
          );
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

export async function commandExists(command: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${command}`]);
    return true;
  } catch {
    return false;
  }
}

export function isPortOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  describeFailure: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(250);
  }
  throw new Error(
    `${what} did not become ready within ${timeoutMs / 1000} s. ${describeFailure()}`.trim(),
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

/** A process this project started, tracked by a pid file. */
export class ManagedProcess {
  constructor(private readonly pidFile: string) {}

  pid(): number | undefined {
    if (!existsSync(this.pidFile)) return undefined;
    const pid = Number(readFileSync(this.pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
    return pid;
  }

  /** Starts `command` detached from this process, output appended to `logFile`. */
  start(
    command: string,
    args: string[],
    logFile: string,
    env: NodeJS.ProcessEnv = process.env,
  ): number {
    ensureDir(dirname(logFile));
    const out = openSync(logFile, 'a');
    const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out], env });
    closeSync(out);
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    child.unref();
    ensureDir(dirname(this.pidFile));
    writeFileSync(this.pidFile, `${child.pid}\n`);
    return child.pid;
  }

  /** SIGTERM, then SIGKILL after the grace period. Returns false when nothing was running. */
  async stop(graceMs = 30_000): Promise<boolean> {
    const pid = this.pid();
    rmSync(this.pidFile, { force: true });
    if (pid === undefined) return false;
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(200);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    return true;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** Debian packages, installed with apt-get when missing (as root, or through sudo). */
export class DebianPackages {
  private updated = false;

  async missing(packages: string[]): Promise<string[]> {
    const absent: string[] = [];
    for (const name of packages) {
      try {
        const { stdout } = await run('dpkg-query', ['-W', '-f=${Status}', name]);
        if (!stdout.includes('install ok installed')) absent.push(name);
      } catch {
        absent.push(name);
      }
    }
    return absent;
  }

  async ensure(packages: string[], progress: Progress): Promise<void> {
    const absent = await this.missing(packages);
    if (absent.length === 0) return;
    const [aptGet, ...prefix] = await this.aptGet(absent);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (!this.updated) {
      progress.step('apt-get update');
      await run(aptGet, [...prefix, 'update', '-q'], { env });
      this.updated = true;
    }
    progress.step(`apt-get install ${absent.join(' ')}`);
    await run(aptGet, [...prefix, 'install', '-y', '-q', '--no-install-recommends', ...absent], {
      env,
    });
  }

  /** The apt-get command line: direct as root, through sudo otherwise. */
  private async aptGet(absent: string[]): Promise<string[]> {
    if (process.getuid?.() === 0) return ['apt-get'];
    if (await commandExists('sudo')) return ['sudo', '-n', 'apt-get'];
    throw new Error(
      `Debian packages missing: ${absent.join(', ')}. Install them as root ` +
        `(apt-get install ${absent.join(' ')}) and run the command again.`,
    );
  }
}

/** The first line of an error, short enough for a status table. */
export function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0].slice(0, 160);
}
