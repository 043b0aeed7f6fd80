import { type INestApplication } from '@nestjs/common';
import { type AppConfig } from '@ctxb/config';
import { type AppDefinition, createApp } from '@ctxb/observability';

export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

/** Starts an app in this process on a free port, as main.ts would but with the given config. */
export async function startInProcess(
  definition: AppDefinition,
  config: AppConfig,
): Promise<RunningApp> {
  const app: INestApplication = await createApp(definition, config);
  await app.listen(0, '127.0.0.1');
  return { url: await app.getUrl(), close: () => app.close() };
}

export async function getJson(
  url: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function poll<T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const result = await attempt();
      if (result !== undefined) return result;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const why = last instanceof Error ? `: ${last.message}` : '';
  throw new Error(`${what} timed out${why}`, { cause: last });
}
