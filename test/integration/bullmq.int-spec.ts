import { Queue, QueueEvents, Worker } from 'bullmq';
import Redis from 'ioredis';
import { testConfig, uniqueName } from '../support/test-config';

describe('BullMQ on Redis (job round trip)', () => {
  const config = testConfig();
  const connection = () =>
    new Redis({ host: config.redis.host, port: config.redis.port, maxRetriesPerRequest: null });

  it('processes a job with a deterministic id once, and a duplicate add is a no-op', async () => {
    const name = uniqueName('it_queue');
    const queueConnection = connection();
    const workerConnection = connection();
    const eventsConnection = connection();
    const queue = new Queue(name, { connection: queueConnection, prefix: config.redis.keyPrefix });
    const events = new QueueEvents(name, {
      connection: eventsConnection,
      prefix: config.redis.keyPrefix,
    });
    await events.waitUntilReady();
    const processed: string[] = [];
    const worker = new Worker(
      name,
      async (job) => {
        processed.push(job.id ?? '');
        return { linked: (job.data as { orderId: string }).orderId };
      },
      { connection: workerConnection, prefix: config.redis.keyPrefix },
    );

    const job = await queue.add('link', { orderId: '12345' }, { jobId: 'ctx_abc-om-v1' });
    await queue.add('link', { orderId: '12345' }, { jobId: 'ctx_abc-om-v1' });
    const result = (await job.waitUntilFinished(events, 30_000)) as unknown;

    expect(result).toEqual({ linked: '12345' });
    expect(processed).toEqual(['ctx_abc-om-v1']);

    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await events.close();
    for (const c of [queueConnection, workerConnection, eventsConnection]) c.disconnect();
  });
});
