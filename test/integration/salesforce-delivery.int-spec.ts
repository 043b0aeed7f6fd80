import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  DeadLetters,
  LinkJobProducer,
  LinkQueueWorker,
  linkRoute,
  type DeliveryAttempt,
} from '@ctxb/delivery';
import {
  loadSalesforceProfile,
  SalesforceLinkTarget,
  SalesforceSession,
} from '@ctxb/salesforce-connector';
import { ORDER_12345 } from '@ctxb/simulation';
import { deleteKeysWithPrefix, createRedis, redisConnectionOptions } from '@ctxb/streaming';
import { poll } from '../support/http';
import { storyCopy } from '../support/order-12345-records';
import { SalesforceDouble } from '../support/salesforce-double';
import { testConfig, uniqueName } from '../support/test-config';

const CLIENT = {
  clientId: 'ctxb-queue',
  clientSecret: 'queue-secret',
  username: 'u',
  password: 'p',
};

/**
 * Salesforce's error classes through the real queue: BullMQ on Redis, the queue worker's retry
 * policy and dead letters, jsforce against the REST double. Each class is retried the number
 * of times the policy allows, or dead-lettered at once with Salesforce's reason.
 */
describe('Salesforce delivery through the queue (BullMQ, retry policy, dead letters)', () => {
  const config = testConfig();
  const prefix = uniqueName('it_sf');
  const connection = { ...redisConnectionOptions(config.redis), maxRetriesPerRequest: null };
  const route = linkRoute(`${prefix}-links`.replace(/_/g, '-'), 'salesforce', 'crm');
  const double = new SalesforceDouble(CLIENT);
  const attempts: DeliveryAttempt[] = [];
  let worker: LinkQueueWorker;
  let deadLetters: DeadLetters;
  let producer: LinkJobProducer;
  let session: SalesforceSession;

  beforeAll(async () => {
    const loginUrl = await double.start();
    double.insert('Account', { Name: 'Ada Lovelace', Customer_Number__c: ORDER_12345.customerId });
    const key = join(mkdtempSync(join(tmpdir(), 'ctxb-sf-')), 'key.pem');
    writeFileSync(key, 'unused');
    const read = loadSalesforceProfile(
      join(__dirname, '..', '..', 'config', 'connectors', 'salesforce.yaml'),
      { SALESFORCE_CLIENT_ID: 'x', SALESFORCE_USERNAME: 'x', SALESFORCE_PRIVATE_KEY_FILE: key },
    );
    if ('problems' in read) throw new Error(JSON.stringify(read.problems));
    const profile = { ...read.profile, auth: { flow: 'password' as const, loginUrl, ...CLIENT } };
    session = new SalesforceSession(profile);
    deadLetters = new DeadLetters(route.queue, connection, `${prefix}:bull`, 3600);
    producer = new LinkJobProducer([route], connection, `${prefix}:bull`, 3600);
    worker = new LinkQueueWorker({
      route,
      writer: new SalesforceLinkTarget(profile, session),
      policy: { attempts: 4, backoffMs: 50, maxBackoffMs: 200, waitForRecordMs: 60_000 },
      concurrency: 1,
      parallelWrites: 1,
      maxPerSecond: 0,
      connection,
      prefix: `${prefix}:bull`,
      deadLetters,
      journal: { record: async (a) => void attempts.push(a) },
    });
    worker.start();
  });
  afterAll(async () => {
    await worker?.close();
    await producer?.close();
    await deadLetters?.close();
    await double.stop();
    const redis = createRedis(config.redis);
    await deleteKeysWithPrefix(redis, prefix).finally(() => redis.disconnect());
  });

  /** One story copy of its own, enqueued; its tries once it is done (written or dead). */
  async function deliver(name: string): Promise<DeliveryAttempt[]> {
    const record = storyCopy(`${prefix}-${name}`);
    await producer.enqueue([record]);
    return poll(`${name} done`, async () => {
      const mine = attempts.filter((a) => a.contextReferenceId === record.contextReferenceId);
      return mine.some((a) => a.status === 'written' || a.status === 'dead-lettered')
        ? mine
        : undefined;
    });
  }
  const statuses = (tries: DeliveryAttempt[]) => tries.map((t) => t.status);

  it('retries a record lock, then writes it and reads back its amount', async () => {
    double.fail({ call: 'record', statusCode: 'UNABLE_TO_LOCK_ROW', message: 'locked' }, 2);
    const tries = await deliver('lock');
    expect(statuses(tries)).toEqual(['retrying', 'retrying', 'written']);
    expect(tries[0]).toMatchObject({ failureKind: 'lock-timeout' });
    // The Opportunity's amount goes to the journal with the write (the store keeps it).
    expect(tries[2].amounts).toEqual([
      { document: tries[2].recordIds[0], currency: '', amount: '249.9', rows: 1 },
    ]);
  });

  it('retries 503 SERVER_UNAVAILABLE until the tries are used up, then dead-letters it', async () => {
    double.fail({ call: 'upsert', status: 503, errorCode: 'SERVER_UNAVAILABLE' }, 10);
    try {
      const tries = await deliver('unavailable');
      expect(statuses(tries)).toEqual(['retrying', 'retrying', 'retrying', 'dead-lettered']);
      expect(tries[0]).toMatchObject({ failureKind: 'connection-lost' });
      // The last try is journaled before the letter is kept (see LinkQueueWorker.deadLetter).
      const letter = await poll('the dead letter', async () => {
        const { letters } = await deadLetters.list({ offset: 0, limit: 100 }, route.queue);
        return letters.find((l) => l.data.contextReferenceId === tries[0].contextReferenceId);
      });
      expect(letter).toMatchObject({ failureKind: 'connection-lost', tries: 4 });
    } finally {
      double.clearFailures();
    }
  });

  it("turns REQUEST_LIMIT_EXCEEDED into the queue's rate limit: paused, never a used-up try", async () => {
    // More refusals than the job has tries: the queue waits instead of giving up.
    double.fail({ call: 'upsert', status: 403, errorCode: 'REQUEST_LIMIT_EXCEEDED' }, 6);
    const tries = await deliver('limited');
    expect(statuses(tries)).toEqual([...Array<string>(6).fill('retrying'), 'written']);
    expect(tries.map((t) => t.attempt)).toEqual(Array<number>(7).fill(1));
    expect(tries[0]).toMatchObject({ failureKind: 'rate-limited' });
    // The pause doubles from backoffMs up to maxBackoffMs between the tries.
    const gaps = tries.slice(1).map((t, i) => t.at.getTime() - tries[i].at.getTime());
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(150);
  });

  it('dead-letters a validation rule at once, with its reason', async () => {
    double.fail({
      call: 'record',
      statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      message: 'Amount must be positive',
      fields: ['Amount'],
    });
    const tries = await deliver('rule');
    expect(statuses(tries)).toEqual(['dead-lettered']);
    const letter = await poll('the dead letter', async () => {
      const { letters } = await deadLetters.list({ offset: 0, limit: 100 }, route.queue);
      return letters.find((l) => l.data.contextReferenceId === tries[0].contextReferenceId);
    });
    expect(letter.failureKind).toBe('constraint');
    expect(letter.reason).toContain('[FIELD_CUSTOM_VALIDATION_EXCEPTION] Amount must be positive');
  });

  it('renews an expired session within the try, once', async () => {
    await deliver('before-expiry');
    const tokens = session.tokenRequests;
    double.expireTokens();
    const tries = await deliver('after-expiry');
    expect(statuses(tries)).toEqual(['written']);
    expect(session.tokenRequests).toBe(tokens + 1);
  });
});
