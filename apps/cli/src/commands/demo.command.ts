import { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { loadConfig, projectRoot } from '@ctxb/config';
import { EVENT_CATALOGUE } from '@ctxb/events';
import { order12345Events } from '@ctxb/simulation';
import { APP_NAMES, AppProcesses, type AppHealth } from '../app-processes/app-processes';
import { LocalServices, renderStatusTable } from '../local-services/local-services';
import { consoleProgress } from './progress';

/**
 * The main job, end to end as far as the pipeline exists: local services up, the gateway,
 * engine and worker started and healthy, then a summary of what runs where.
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description('start the local services and every app, wait until all are healthy, and report')
    .option('--keep-running', 'leave the apps running until Ctrl-C')
    .option('--timeout <seconds>', 'how long the apps may take to become healthy', '90')
    .action(async (options: { keepRunning?: boolean; timeout: string }) => {
      const config = loadConfig();
      const root = projectRoot();
      const progress = consoleProgress();

      progress.step('starting local services (first run installs packages and Kafka jars)');
      const statuses = await new LocalServices(config, root).up(progress);
      console.log(`\nLocal services\n${renderStatusTable(statuses)}\n`);
      if (statuses.some((s) => !s.healthy))
        throw new Error('a local service is down; see the table above');

      const apps = new AppProcesses(root, config);
      for (const app of APP_NAMES) apps.start(app);
      try {
        const health = await waitHealthy(apps, Number(options.timeout) * 1000);
        console.log(`Apps\n${renderAppTable(health)}\n`);
        const failed = health.filter((h) => !h.healthy);
        for (const h of failed)
          console.error(`--- last lines of ${apps.logFile(h.app)}\n${apps.tail(h.app)}`);
        if (failed.length > 0)
          throw new Error(`not healthy: ${failed.map((h) => h.app).join(', ')}`);

        console.log(`Order 12345\n${await sendStory(apps.url('gateway'))}\n`);
        console.log(
          [
            `API docs (OpenAPI):  ${apps.url('gateway')}/docs`,
            `Health:              ${APP_NAMES.map((a) => `${apps.url(a)}/health`).join('  ')}`,
            `Metrics:             ${APP_NAMES.map((a) => `${apps.url(a)}/metrics`).join('  ')}`,
            `Logs:                ${root}/.local/logs/`,
          ].join('\n'),
        );
        if (options.keepRunning) {
          console.log(
            '\nRunning. Press Ctrl-C to stop the apps (services keep running; `ctxb services down` stops them).',
          );
          await new Promise<void>((resolve) => {
            process.once('SIGINT', resolve);
            process.once('SIGTERM', resolve);
          });
        }
      } finally {
        await apps.stopAll();
      }
    });
}

async function waitHealthy(apps: AppProcesses, timeoutMs: number): Promise<AppHealth[]> {
  const bar = process.stderr.isTTY
    ? new SingleBar({
        format: 'apps healthy [{bar}] {value}/{total} {names}',
        stream: process.stderr,
      })
    : undefined;
  bar?.start(APP_NAMES.length, 0, { names: '' });
  const deadline = Date.now() + timeoutMs;
  let health: AppHealth[];
  for (;;) {
    health = await Promise.all(APP_NAMES.map((app) => apps.health(app)));
    const ready = health.filter((h) => h.healthy);
    bar?.update(ready.length, { names: ready.map((h) => h.app).join(' ') });
    const crashed = APP_NAMES.some((app) => apps.exited(app) !== undefined);
    if (ready.length === APP_NAMES.length || crashed || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  bar?.stop();
  return health;
}

function renderAppTable(health: AppHealth[]): string {
  return health
    .map((h) => {
      const deps = Object.entries(h.dependencies)
        .map(([name, state]) => `${name} ${state}`)
        .join(', ');
      return `${h.app.padEnd(8)}  ${(h.healthy ? 'healthy' : 'UNHEALTHY').padEnd(9)}  ${h.url.padEnd(22)}  ${deps}`;
    })
    .join('\n');
}

/**
 * Sends the order-12345 story through the collector as a browser and shop backend would,
 * and says where its events went. The demo write key is the one in config/default.yaml.
 */
async function sendStory(gatewayUrl: string): Promise<string> {
  const events = order12345Events();
  const response = await fetch(`${gatewayUrl}/v1/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/cloudevents-batch+json',
      authorization: 'Bearer ctxb-demo-write-key',
    },
    body: JSON.stringify(events),
  });
  const result = (await response.json()) as {
    accepted?: number;
    duplicates?: number;
    rejected?: unknown[];
    message?: string;
  };
  if (response.status !== 202)
    throw new Error(`the collector refused the story: ${response.status} ${result.message ?? ''}`);
  const topics = new Map<string, number>();
  for (const event of events) {
    const topic = EVENT_CATALOGUE.get(event.type)!.topic;
    topics.set(topic, (topics.get(topic) ?? 0) + 1);
  }
  const seen = result.duplicates ? ` (${result.duplicates} already sent by an earlier run)` : '';
  return [
    `${events.length} events: 5 sessions over 3 days, first touch Google Ads, SPRING10 found in session 3, order placed 2026-03-14 16:05 UTC`,
    `collector accepted ${result.accepted ?? 0}${seen}, rejected ${result.rejected?.length ?? 0}`,
    ...[...topics].map(([topic, count]) => `  ${topic.padEnd(18)} ${count}`),
  ].join('\n');
}
