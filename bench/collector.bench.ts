import { spawn } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { loadConfig } from '@ctxb/config';
import { EVENT_CATALOGUE, type CloudEvent } from '@ctxb/events';
import { generateTraffic } from '@ctxb/simulation';
import { createKafka, encodeEvent, orderedProducer, provisionTopics } from '@ctxb/streaming';
import { rate, report, timed } from './bench-support';

/**
 * Collector throughput: events/s accepted over HTTP and acknowledged by Kafka (acks=all),
 * against the baseline of plain kafkajs batch produce of the same messages, same run.
 * Goal: the collector reaches at least half the raw producer rate.
 */
export async function collectorBench(options: {
  events: number;
  batch: number;
  concurrency: number;
  warmup: number;
}): Promise<void> {
  const config = loadConfig();
  config.log.level = 'warn';
  const run = Date.now().toString(36);
  const events = sample(options.events).map((e, i) => ({ ...e, id: `bench-${run}-${i}` }));
  console.log(
    `collector benchmark: ${events.length} events, HTTP batches of ${options.batch}, ${options.concurrency} concurrent requests`,
  );

  const kafka = createKafka(config.kafka, 'bench');
  await provisionTopics(kafka, config.topics);

  // Baseline: the same messages, same topics and keys, straight through kafkajs.
  const producer = orderedProducer(kafka);
  await producer.connect();
  const sendRaw = async (batch: CloudEvent[]): Promise<void> => {
    const byTopic = new Map<string, ReturnType<typeof encodeEvent>[]>();
    for (const e of batch) {
      const entry = EVENT_CATALOGUE.get(e.type)!;
      byTopic.set(entry.topic, [...(byTopic.get(entry.topic) ?? []), encodeEvent(e, entry)]);
    }
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  };
  // Both paths are warmed up (JIT, connections) with the same number of events before timing.
  for (const chunk of chunks(warmup(events, 'raw-warmup', options.warmup), options.batch))
    await sendRaw(chunk);
  const baselineEvents = events.map((e) => ({ ...e, id: `${e.id}-raw` }));
  const baseline = await timed(async () => {
    for (const chunk of chunks(baselineEvents, options.batch)) await sendRaw(chunk);
  });
  await producer.disconnect();

  // The collector: the built gateway as its own process (as deployed), over real HTTP.
  const gateway = await startGateway();
  const url = new URL(`${gateway.url}/v1/events`);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const headers = {
    'content-type': 'application/cloudevents-batch+json',
    authorization: 'Bearer ctxb-demo-write-key',
  };
  const postAll = async (bodies: string[]): Promise<number> => {
    let next = 0;
    let accepted = 0;
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < bodies.length) {
          const taken = await post(agent, url, headers, bodies[next++]);
          accepted += taken;
        }
      }),
    );
    return accepted;
  };
  await postAll(
    chunks(warmup(events, 'http-warmup', options.warmup), options.batch).map((c) =>
      JSON.stringify(c),
    ),
  );
  const bodies = chunks(events, options.batch).map((c) => JSON.stringify(c));
  const collector = await timed(() => postAll(bodies));
  agent.destroy();
  await gateway.stop();
  if (collector.result !== events.length)
    throw new Error(`collector accepted ${collector.result} of ${events.length}`);

  report(
    [
      { name: 'kafkajs sendBatch (baseline)', value: rate(events.length, baseline.seconds) },
      { name: 'collector POST /v1/events', value: rate(events.length, collector.seconds) },
    ],
    rate(events.length, baseline.seconds),
    { ratio: 0.5, text: 'collector ≥ 0.5 × raw producer rate' },
  );
}

function sample(count: number): CloudEvent[] {
  const out: CloudEvent[] = [];
  for (const chunk of generateTraffic({
    seed: 1,
    journeys: Math.ceil(count / 25),
    start: '2026-03-01',
    days: 30,
    includeStory: false,
  })) {
    out.push(...chunk);
    if (out.length >= count) break;
  }
  return out.slice(0, count);
}

/** Copies of the first events under other ids, so warm-up traffic is never deduplicated away. */
function warmup(events: CloudEvent[], tag: string, count: number): CloudEvent[] {
  return events.slice(0, count).map((e) => ({ ...e, id: `${e.id}-${tag}` }));
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * One POST over a keep-alive agent. node:http rather than fetch: the client shares the two
 * cores with the gateway, the broker and Redis, and fetch's stream machinery costs several
 * times more CPU per request, which the benchmark would charge to the collector.
 */
function post(
  agent: Agent,
  url: URL,
  headers: Record<string, string>,
  body: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (response) => {
        const parts: Buffer[] = [];
        response.on('data', (part: Buffer) => parts.push(part));
        response.on('error', reject);
        response.on('end', () => {
          try {
            resolve(accepted(response.statusCode ?? 0, Buffer.concat(parts).toString('utf8')));
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

function accepted(status: number, text: string): number {
  const result = JSON.parse(text) as {
    accepted?: number;
    duplicates?: number;
    error?: string;
    rejected?: { index: number; problems: { path: string; message: string }[] }[];
  };
  if (result.rejected?.length)
    throw new Error(`collector rejected events: ${JSON.stringify(result.rejected.slice(0, 3))}`);
  if (status !== 202) throw new Error(`collector answered ${status}: ${result.error ?? ''}`);
  return (result.accepted ?? 0) + (result.duplicates ?? 0);
}

async function startGateway(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(__dirname, '..', 'apps', 'gateway', 'src', 'main.js')],
    {
      env: { ...process.env, CTXB_GATEWAY_HTTP_PORT: String(port), CTXB_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health/live`)).ok) break;
    } catch {
      if (Date.now() > deadline) throw new Error('gateway did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
