import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/**
 * Small helpers for benchmarks: timing, formatting, the ratio line every benchmark prints, and
 * built apps in processes of their own.
 */

export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = process.hrtime.bigint();
  const result = await work();
  return { result, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

export function rate(count: number, seconds: number): number {
  return count / seconds;
}

export function formatRate(perSecond: number, unit = 'events/s'): string {
  return `${Math.round(perSecond).toLocaleString('en-US')} ${unit}`;
}

export function report(
  rows: { name: string; value: number; unit?: string }[],
  baseline: number,
  goal?: { ratio: number; text: string },
): void {
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const row of rows) {
    console.log(
      `  ${row.name.padEnd(width)}  ${formatRate(row.value, row.unit).padStart(20)}   ratio to baseline ${(row.value / baseline).toFixed(2)}`,
    );
  }
  if (goal) {
    const ratio = rows[rows.length - 1].value / baseline;
    console.log(
      `  goal: ${goal.text} → ${ratio >= goal.ratio ? 'met' : 'NOT met'} (${ratio.toFixed(2)})`,
    );
  }
}

/** Waits until `check` answers true (a failing check counts as not yet), for `timeoutMs` at most. */
export async function until(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A built app (`apps/<app>/src/main.js`) in a process of its own, `env` added to this
 * process's environment (its HTTP port among it); resolves once it answers on `/health/live`.
 */
export async function startBuiltApp(
  app: 'engine' | 'worker',
  env: Record<string, string>,
  port: number,
  nodeFlags: readonly string[] = [],
): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [...nodeFlags, join(__dirname, '..', 'apps', app, 'src', 'main.js')],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await until(async () => (await fetch(`http://127.0.0.1:${port}/health/live`)).ok);
  return child;
}

/** Sends each process SIGTERM and waits until every one has exited. */
export async function stopProcesses(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve(undefined);
          child.once('exit', resolve);
          child.kill('SIGTERM');
        }),
    ),
  );
}
