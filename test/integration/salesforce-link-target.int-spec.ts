import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LinkOutcome, LinkRequest } from '@ctxb/connector-sdk';
import type { ContextRecord } from '@ctxb/context';
import { ORDER_12345, order12345Records } from '@ctxb/simulation';
import {
  loadSalesforceProfile,
  SalesforceLinkTarget,
  SalesforceSession,
  type SalesforceAuth,
  type SalesforceProfile,
} from '@ctxb/salesforce-connector';
import { storyCopy } from '../support/order-12345-records';
import { SalesforceDouble } from '../support/salesforce-double';

const SHIPPED = join(__dirname, '..', '..', 'config', 'connectors', 'salesforce.yaml');
const CLIENT = {
  clientId: '3MVG9-test-app',
  clientSecret: 'app-secret',
  username: 'integration@example.com',
  password: 'pw+token',
};

/** The shipped profile, signing in to the double with `auth`. */
function profileFor(auth: SalesforceAuth): SalesforceProfile {
  const key = join(mkdtempSync(join(tmpdir(), 'ctxb-sf-')), 'key.pem');
  writeFileSync(key, 'unused');
  const read = loadSalesforceProfile(SHIPPED, {
    SALESFORCE_CLIENT_ID: 'x',
    SALESFORCE_USERNAME: 'x',
    SALESFORCE_PRIVATE_KEY_FILE: key,
  });
  if ('problems' in read) throw new Error(JSON.stringify(read.problems));
  return { ...read.profile, auth };
}

const request = (record: ContextRecord): LinkRequest => ({
  contextReferenceId: record.contextReferenceId,
  version: record.version,
  record,
});

/** The story's newest context, as `count` orders of their own. */
function orders(count: number, prefix: string): ContextRecord[] {
  return Array.from({ length: count }, (_, i) => storyCopy(`${prefix}-${i}`));
}

const failure = (outcome: LinkOutcome) =>
  outcome.status === 'failed'
    ? {
        kind: outcome.failure.kind,
        retryable: outcome.failure.retryable,
        message: outcome.failure.message,
      }
    : outcome;

describe('Salesforce link target through jsforce, against the REST double', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const double = new SalesforceDouble({
    ...CLIENT,
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  });
  let loginUrl: string;
  const story = order12345Records();
  const newest = story.at(-1)!;

  let accountId: string;
  beforeAll(async () => {
    loginUrl = await double.start();
    // The story's customer, as the CRM knows it: Opportunities are related to it.
    accountId = double.insert('Account', {
      Name: 'Ada Lovelace',
      Customer_Number__c: ORDER_12345.customerId,
    });
  });
  afterAll(() => double.stop());

  /** The Opportunity the double holds for a context (by its reference). */
  const opportunityOf = (context: ContextRecord) =>
    double
      .recordsOf('Opportunity')
      .filter((r) => r.Context_Reference_Id__c === context.contextReferenceId)[0];

  const passwordTarget = () => {
    const profile = profileFor({ flow: 'password', loginUrl, ...CLIENT });
    const session = new SalesforceSession(profile);
    return { target: new SalesforceLinkTarget(profile, session), session, profile };
  };

  it('upserts the story as an Opportunity by its reference, with the mapped summary', async () => {
    const { target } = passwordTarget();
    const [outcome] = await target.write([request(newest)]);
    expect(outcome.status).toBe('written');
    const opportunity = opportunityOf(newest);
    // The amount as the CRM holds it, read back after the upsert (the profile's `amounts`).
    expect(outcome).toEqual({
      status: 'written',
      recordIds: [opportunity.Id],
      amounts: [{ document: opportunity.Id, currency: '', amount: '249.9', rows: 1 }],
    });
    expect(opportunity).toMatchObject({
      AccountId: accountId,
      Name: '12345',
      StageName: 'Closed Won',
      CloseDate: newest.order.placedAt.slice(0, 10),
      Amount: newest.order.total,
      First_Touch_Channel__c: newest.journey.firstTouch!.channel,
      Primary_Campaign__c: 'spring-espresso',
      Sessions__c: 5,
      Context_Version__c: newest.version,
    });
  });

  it('is idempotent and never goes backwards: one record whatever is delivered again', async () => {
    const { target } = passwordTarget();
    const before = double.recordsOf('Opportunity').length;
    const [again] = await target.write([request(newest)]);
    expect(again.status).toBe('current');
    const [older] = await target.write([request(story[0])]);
    expect(older.status).toBe('current');
    const newer: ContextRecord = {
      ...newest,
      version: newest.version + 1,
      order: { ...newest.order, total: '199.90' },
    };
    // Two versions of one context in a batch: only the newest is sent.
    const both = await target.write([request(newest), request(newer)]);
    expect(both.map((o) => o.status)).toEqual(['current', 'written']);
    expect(double.recordsOf('Opportunity')).toHaveLength(before);
    const held = opportunityOf(newest);
    expect(held).toMatchObject({
      Context_Version__c: newest.version + 1,
      Amount: '199.90',
    });
  });

  it('sends 200 records a call: 450 contexts in three upserts, two version and two amount queries', async () => {
    const { target } = passwordTarget();
    const calls = { ...double.calls };
    const outcomes = await target.write(orders(450, 'bulk').map(request));
    expect(outcomes.every((o) => o.status === 'written')).toBe(true);
    expect(double.calls.upsert - calls.upsert).toBe(3);
    // 300 references a query: the versions held before, the amounts after.
    expect(double.calls.query - calls.query).toBe(4);
  });

  it('sends a backlog at or above bulkThreshold through one Bulk API 2.0 job', async () => {
    const profile = {
      ...profileFor({ flow: 'password', loginUrl, ...CLIENT }),
      bulkThreshold: 300,
    };
    const target = new SalesforceLinkTarget(profile, new SalesforceSession(profile));
    const calls = { ...double.calls };
    double.fail({
      call: 'record',
      statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      message: 'Amount must be positive',
      fields: ['Amount'],
    });
    const records = orders(1600, 'backlog');
    const outcomes = await target.write(records.map(request));
    expect(failure(outcomes[0])).toEqual({
      kind: 'constraint',
      retryable: false,
      message: 'bulk upserting: [FIELD_CUSTOM_VALIDATION_EXCEPTION] Amount must be positive:Amount',
    });
    expect(outcomes.slice(1).every((o) => o.status === 'written')).toBe(true);
    // No collection call; create, upload, close, state, three result sets: 7 bulk calls, under
    // one per 200 records; the versions held read beforehand and the amounts after, 300
    // references a query.
    expect(double.calls.upsert - calls.upsert).toBe(0);
    expect(double.calls.bulk - calls.bulk).toBe(7);
    expect((double.calls.bulk - calls.bulk) / (1600 / 200)).toBeLessThanOrEqual(1);
    expect(double.calls.query - calls.query).toBe(12);
    const one = opportunityOf(records[1]);
    expect(one).toMatchObject({
      Name: 'backlog-1',
      Context_Version__c: records[1].version,
      AccountId: accountId,
    });
    expect(outcomes[1]).toMatchObject({ status: 'written', recordIds: [one.Id] });
    // Below the threshold: sObject Collections.
    const few = await target.write(orders(250, 'below').map(request));
    expect(few.every((o) => o.status === 'written')).toBe(true);
    expect(double.calls.upsert - calls.upsert).toBe(2);
  });

  it('waits for an Account the CRM does not have yet, then relates the Opportunity to it', async () => {
    const { target } = passwordTarget();
    const newcomer = orders(1, 'newcomer').map((r) => ({
      ...r,
      order: { ...r.order, customerId: 'C-2002' },
    }));
    const [waiting] = await target.write(newcomer.map(request));
    expect(failure(waiting)).toMatchObject({
      kind: 'not-there-yet',
      retryable: true,
      message: expect.stringContaining('Foreign key external ID: C-2002 not found') as string,
    });
    const id = double.insert('Account', { Name: 'Grace Hopper', Customer_Number__c: 'C-2002' });
    const [linked] = await target.write(newcomer.map(request));
    expect(linked.status).toBe('written');
    const opportunity = opportunityOf(newcomer[0]);
    expect(opportunity.AccountId).toBe(id);
  });

  it("keeps each record's result its own: a lock is retried, a validation rule dead-letters", async () => {
    const { target } = passwordTarget();
    double.fail({
      call: 'record',
      statusCode: 'UNABLE_TO_LOCK_ROW',
      message: 'unable to obtain exclusive access to this record',
    });
    double.fail({
      call: 'record',
      statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      message: 'Amount must be positive',
      fields: ['Amount'],
    });
    const outcomes = await target.write(orders(3, 'rules').map(request));
    expect(outcomes.map(failure)).toEqual([
      {
        kind: 'lock-timeout',
        retryable: true,
        message: 'upserting: [UNABLE_TO_LOCK_ROW] unable to obtain exclusive access to this record',
      },
      {
        kind: 'constraint',
        retryable: false,
        message: 'upserting: [FIELD_CUSTOM_VALIDATION_EXCEPTION] Amount must be positive (Amount)',
      },
      expect.objectContaining({ status: 'written' }),
    ]);
  });

  it.each([
    [429, 'REQUEST_LIMIT_EXCEEDED', 'rate-limited', true],
    [503, 'SERVER_UNAVAILABLE', 'connection-lost', true],
    [500, 'UNKNOWN_EXCEPTION', 'unknown', true],
    [400, 'INVALID_FIELD', 'configuration', false],
  ])('classifies a whole call refused with %i %s', async (status, errorCode, kind, retryable) => {
    const { target } = passwordTarget();
    double.fail({ call: 'upsert', status, errorCode });
    const outcomes = await target.write(orders(2, `call-${errorCode}`).map(request));
    for (const outcome of outcomes)
      expect(failure(outcome)).toMatchObject({
        kind,
        retryable,
        message: expect.stringContaining(`[${errorCode}]`) as string,
      });
  });

  it('renews an expired session once and goes on; a token refused outright never loops', async () => {
    const { target, session } = passwordTarget();
    await target.write(orders(1, 'session-a').map(request));
    expect(session.tokenRequests).toBe(1);
    double.expireTokens();
    const [renewed] = await target.write(orders(1, 'session-b').map(request));
    expect(renewed.status).toBe('written');
    expect(session.tokenRequests).toBe(2);

    double.refuseAllTokens = true;
    const tokenCalls = double.calls.token;
    try {
      const [refused] = await target.write(orders(1, 'session-c').map(request));
      expect(failure(refused)).toMatchObject({
        kind: 'unknown',
        message: expect.stringContaining('[INVALID_SESSION_ID]') as string,
      });
      // One renewal for the call, not one per refusal.
      expect(double.calls.token - tokenCalls).toBe(1);
    } finally {
      double.refuseAllTokens = false;
    }
  });

  it('signs in with the JWT bearer flow and the client credentials flow', async () => {
    const jwt = profileFor({
      flow: 'jwt',
      loginUrl,
      clientId: CLIENT.clientId,
      username: CLIENT.username,
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    const [viaJwt] = await new SalesforceLinkTarget(jwt, new SalesforceSession(jwt)).write(
      orders(1, 'jwt').map(request),
    );
    expect(viaJwt.status).toBe('written');
    const cc = profileFor({
      flow: 'client-credentials',
      loginUrl,
      clientId: CLIENT.clientId,
      clientSecret: CLIENT.clientSecret,
    });
    const [viaCc] = await new SalesforceLinkTarget(cc, new SalesforceSession(cc)).write(
      orders(1, 'cc').map(request),
    );
    expect(viaCc.status).toBe('written');
    const wrong = { ...cc, auth: { ...cc.auth, clientSecret: 'wrong' } } as SalesforceProfile;
    const [refused] = await new SalesforceLinkTarget(wrong, new SalesforceSession(wrong)).write(
      orders(1, 'wrong').map(request),
    );
    expect(failure(refused)).toMatchObject({
      kind: 'configuration',
      retryable: false,
      message: expect.stringContaining('invalid client credentials') as string,
    });
  });

  it('reads back the money the CRM holds: as a flow changed it, none once the stage is not won', async () => {
    const { target } = passwordTarget();
    const [context] = orders(1, 'amounts');
    const [written] = await target.write([request(context)]);
    const opportunity = opportunityOf(context);
    expect(written).toEqual({
      status: 'written',
      recordIds: [opportunity.Id],
      amounts: [{ document: opportunity.Id, currency: '', amount: '249.9', rows: 1 }],
    });
    // A flow in the org discounts it; the API answers currency fields as numbers.
    opportunity.Amount = 224.91;
    const [current] = await target.write([request(context)]);
    expect(current).toEqual({
      status: 'current',
      recordIds: [opportunity.Id],
      amounts: [{ document: opportunity.Id, currency: '', amount: '224.91', rows: 1 }],
    });
    // Reopened by a sales rep: it is not revenue in the CRM any more, and reads as 0.
    opportunity.StageName = 'Negotiation/Review';
    expect((await target.write([request(context)]))[0]).toMatchObject({
      amounts: [{ document: opportunity.Id, currency: '', amount: '0', rows: 0 }],
    });
    // A multi-currency org names each record's currency.
    const profile = profileFor({ flow: 'password', loginUrl, ...CLIENT });
    const multi = {
      ...profile,
      amounts: { ...profile.amounts!, currency: 'CurrencyIsoCode', where: [] },
    };
    opportunity.CurrencyIsoCode = 'EUR';
    const [euro] = await new SalesforceLinkTarget(multi, new SalesforceSession(multi)).write([
      request(context),
    ]);
    expect(euro).toMatchObject({
      amounts: [{ document: opportunity.Id, currency: 'EUR', amount: '224.91', rows: 1 }],
    });
  });

  it('fails the linked records when their money cannot be read; once fixed, a retry reads it', async () => {
    const { target } = passwordTarget();
    const contexts = orders(2, 'amount-read');
    // The version read passes; the amount read after the upsert names a field the org lacks.
    const message = "No such column 'CurrencyIsoCode' on entity 'Opportunity'";
    double.fail({ call: 'query', status: 400, errorCode: 'INVALID_FIELD', message }, 1, 1);
    const failed = await target.write(contexts.map(request));
    expect(failed.map(failure)).toEqual(
      contexts.map(() => ({
        kind: 'configuration',
        retryable: false,
        message: `reading amounts: [INVALID_FIELD] ${message}`,
      })),
    );
    // Written all the same: the replay after the fix finds its version held and reads the money.
    const retried = await target.write(contexts.map(request));
    expect(retried.map((o) => o.status)).toEqual(['current', 'current']);
    expect(retried.map((o) => ('amounts' in o ? o.amounts?.[0]?.amount : undefined))).toEqual([
      '249.9',
      '249.9',
    ]);
  });

  it("stops calling above the profile's share of the org's daily API requests", async () => {
    const { target, profile } = passwordTarget();
    double.apiUsage.used = Math.ceil(double.apiUsage.limit * profile.maxApiUsage);
    try {
      await target.write(orders(1, 'usage-a').map(request)); // sees the usage in the response
      const calls = { ...double.calls };
      const [held] = await target.write(orders(1, 'usage-b').map(request));
      expect(failure(held)).toMatchObject({ kind: 'rate-limited', retryable: true });
      expect(double.calls).toEqual(calls);
    } finally {
      double.apiUsage.used = 0;
    }
  });
});
