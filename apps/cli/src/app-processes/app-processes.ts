import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AppConfig, type HttpListenConfig } from '@ctxb/config';

export const APP_NAMES = ['gateway', 'engine', 'worker'] as const;
export type AppName = (typeof APP_NAMES)[number];

export interface AppHealth {
  app: AppName;
  url: string;
  healthy: boolean;
  /** Dependency → up/down (with the reason when down). */
  dependencies: Record<string, string>;
}

/** Runs the built gateway, engine and worker as child processes, logs under .local/logs. */
export class AppProcesses {
  private readonly children = new Map<AppName, ChildProcess>();

  constructor(
    private readonly projectRoot: string,
    private readonly config: AppConfig,
  ) {}

  listen(app: AppName): HttpListenConfig {
    return this.config[app].http;
  }

  url(app: AppName): string {
    const { host, port } = this.listen(app);
    return `http://${host}:${port}`;
  }

  logFile(app: AppName): string {
    return join(this.projectRoot, '.local', 'logs', `${app}.log`);
  }

  start(app: AppName): void {
    mkdirSync(join(this.projectRoot, '.local', 'logs'), { recursive: true });
    const out = openSync(this.logFile(app), 'a');
    const child = spawn(
      process.execPath,
      [join(this.projectRoot, 'dist', 'apps', app, 'src', 'main.js')],
      {
        stdio: ['ignore', out, out],
        env: process.env,
      },
    );
    closeSync(out);
    this.children.set(app, child);
  }

  exited(app: AppName): number | null | undefined {
    const child = this.children.get(app);
    return child && child.exitCode !== null ? child.exitCode : undefined;
  }

  async health(app: AppName): Promise<AppHealth> {
    const url = this.url(app);
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(10_000) });
      const body = (await response.json()) as {
        details?: Record<string, { status: string; message?: string }>;
      };
      const dependencies = Object.fromEntries(
        Object.entries(body.details ?? {}).map(([name, d]) => [
          name,
          d.status === 'up' ? 'up' : `down: ${d.message ?? ''}`,
        ]),
      );
      return { app, url, healthy: response.status === 200, dependencies };
    } catch (error) {
      return {
        app,
        url,
        healthy: false,
        dependencies: { http: `not answering: ${(error as Error).message}` },
      };
    }
  }

  tail(app: AppName, lines = 15): string {
    try {
      return readFileSync(this.logFile(app), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** SIGTERM to every child, waiting for each to close cleanly. */
  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    this.children.clear();
  }
}
