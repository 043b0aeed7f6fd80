import { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { loadConfig, projectRoot, type AppConfig } from '@ctxb/config';
import { EVENT_CATALOGUE, Topic, type CloudEvent } from '@ctxb/events';
import { generateTraffic, ORDER_12345, order12345Events } from '@ctxb/simulation';
import { lakeStorageOf } from '@ctxb/store';
import { createKafka, engineConsumerGroups, waitForStableGroups } from '@ctxb/streaming';
import { APP_NAMES, AppProcesses, type AppHealth } from '../app-processes/app-processes';
import { LocalServices, renderStatusTable } from '../local-services/local-services';
import { fetchDemoAnswers, renderDemoReport } from './demo-report';
import { kafkaSink } from './event-sinks';
import { wholeNumber } from './option-values';
import { consoleProgress } from './progress';

/** The demo API key of config/default.yaml (all scopes). */
const DEMO_API_KEY = 'ctxb-demo-api-key';
/** The generated month, and the weeks after it in which its last journeys end. */
const TRAFFIC = { start: '2026-03-01', days: 30 };
const PERIOD = { from: '2026-03-01', to: '2026-05-01' };

interface DemoOptions {
  keepRunning?: boolean;
  timeout: string;
  journeys: number;
  seed: number;
}

/**
 * The main job, the whole story: local services up, the gateway, engine and worker started
 * and healthy, order 12345 sent through the collector, a month of generated journeys written
 * to Kafka, and once the engine has them in ClickHouse (and the lake), a report of what the
 * API answers to the design's questions.
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'start the services and apps, send order 12345 and a month of generated journeys through Kafka and the engine, and report what the API answers',
    )
    .option('--keep-running', 'leave the apps running until Ctrl-C')
    .option(
      '--timeout <seconds>',
      'how long the apps may take to become healthy, and the engine to store the journeys',
      '180',
    )
    .option('--journeys <n>', 'generated shoppers over the month', wholeNumber, 2000)
    .option(
      '--seed <n>',
      'the generator seed (the same seed gives the same journeys)',
      wholeNumber,
      42,
    )
    .action(async (options: DemoOptions) => {
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

        await waitConsuming(config, Number(options.timeout) * 1000);
        console.log(`Order 12345\n${await sendStory(apps.url('gateway'))}\n`);
        const traffic = await sendTraffic(options);
        await waitStored(apps.url('gateway'), traffic, Number(options.timeout) * 1000);
        const answers = await fetchDemoAnswers(
          apps.url('gateway'),
          DEMO_API_KEY,
          ORDER_12345.orderId,
          PERIOD,
        );
        console.log(`${renderDemoReport(answers)}\n`);
        console.log(
          [
            `API docs (OpenAPI):  ${apps.url('gateway')}/docs`,
            `Health:              ${APP_NAMES.map((a) => `${apps.url(a)}/health`).join('  ')}`,
            `Metrics:             ${APP_NAMES.map((a) => `${apps.url(a)}/metrics`).join('  ')}`,
            `Logs:                ${root}/.local/logs/`,
            `Parquet lake:        ${config.lake.enabled ? lakeStorageOf(config.lake).location : 'off (lake.enabled)'}`,
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

/**
 * Waits until the engine's consumer groups have their partitions: a group that starts at the
 * topics' end would not see events written before it joined.
 */
async function waitConsuming(config: AppConfig, timeoutMs: number): Promise<void> {
  const { intake, context } = engineConsumerGroups(config.engine.groupId);
  const admin = createKafka(config.kafka, 'demo').admin();
  await admin.connect();
  try {
    await waitForStableGroups(admin, [intake, context], timeoutMs);
  } finally {
    await admin.disconnect();
  }
}

/** What the demo wrote to Kafka: how many orders and journeys the store should end up with. */
interface SentTraffic {
  orders: number;
  journeys: number;
}

/** A month of generated journeys onto the event topics, with a progress bar. */
async function sendTraffic(options: DemoOptions): Promise<SentTraffic> {
  const traffic = {
    ...TRAFFIC,
    seed: options.seed,
    journeys: options.journeys,
    includeStory: false,
  };
  const sink = await kafkaSink();
  const bar = process.stderr.isTTY
    ? new SingleBar({
        format: 'journeys to Kafka [{bar}] {value}/{total} days',
        stream: process.stderr,
      })
    : undefined;
  bar?.start(traffic.days, 0);
  const start = Date.parse(`${traffic.start}T00:00:00Z`);
  const devices = new Set<string>([ORDER_12345.anonymousId]);
  let orders = 1;
  let events = 0;
  const count = (chunk: CloudEvent[]) => {
    for (const e of chunk) {
      if (e.type === 'order.placed') orders++;
      if (e.anonymousid && EVENT_CATALOGUE.get(e.type)!.topic === Topic.CustomerJourney)
        devices.add(e.anonymousid);
    }
  };
  try {
    for (const chunk of generateTraffic(traffic)) {
      count(chunk);
      events += chunk.length;
      await sink.write(chunk);
      const day = Math.floor((Date.parse(chunk[chunk.length - 1].time) - start) / 86_400_000);
      bar?.update(Math.min(traffic.days, Math.max(0, day)));
    }
  } finally {
    bar?.update(traffic.days);
    bar?.stop();
    await sink.close();
  }
  console.log(
    `Generated traffic\n${options.journeys} shoppers, ${events} events from ${traffic.start} over ${traffic.days} days (seed ${options.seed}): ${orders - 1} orders\n`,
  );
  return { orders, journeys: devices.size };
}

/**
 * Waits until the store answers for every order and journey sent: contexts (from the engine)
 * and raw events (from its archive), asked of the gateway like any client would.
 */
async function waitStored(gatewayUrl: string, sent: SentTraffic, timeoutMs: number): Promise<void> {
  const get = async <T>(path: string): Promise<T | undefined> => {
    const response = await fetch(`${gatewayUrl}${path}`, {
      headers: { authorization: `Bearer ${DEMO_API_KEY}` },
    }).catch(() => undefined);
    return response?.ok ? ((await response.json()) as T) : undefined;
  };
  const range = `from=${PERIOD.from}&to=${PERIOD.to}`;
  const bar = process.stderr.isTTY
    ? new SingleBar({
        format:
          'stored in ClickHouse [{bar}] {value}/{total} (contexts {contexts}/{orders}, journeys {journeys}/{devices})',
        stream: process.stderr,
      })
    : undefined;
  bar?.start(sent.orders + sent.journeys, 0, {
    contexts: 0,
    orders: sent.orders,
    journeys: 0,
    devices: sent.journeys,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const revenue = await get<{ totals: { orders: number }[] }>(
        `/v1/reports/revenue-attribution?${range}&model=linear`,
      );
      const intent = await get<{ journeys: number }>(`/v1/reports/intent-signals?${range}`);
      const contexts = revenue?.totals.reduce((n, t) => n + t.orders, 0) ?? 0;
      const journeys = intent?.journeys ?? 0;
      bar?.update(Math.min(contexts, sent.orders) + Math.min(journeys, sent.journeys), {
        contexts,
        journeys,
      });
      if (contexts >= sent.orders && journeys >= sent.journeys) return;
      if (Date.now() > deadline)
        throw new Error(
          `after ${Math.round(timeoutMs / 1000)} s the store holds ${contexts} of ${sent.orders} contexts and ${journeys} of ${sent.journeys} journeys. ` +
            'If the engine has read events dated after March 2026 before, their clock leaves these behind: ' +
            'run the demo with a new engine group (CTXB_ENGINE_GROUP_ID=demo-2 CTXB_ENGINE_START_FROM_BEGINNING=false), or raise --timeout',
        );
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    bar?.stop();
  }
}
