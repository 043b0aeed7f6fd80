import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSalesforceProfile, readSalesforceProfile } from './salesforce-profile';
import { contextFields } from '@ctxb/connector-sdk';
import { order12345Records } from '@ctxb/simulation';
import { soqlString, upsertReads, upsertRecord } from './salesforce-link-target';
import { callFailure, recordFailureKind } from './salesforce-failure';

const SHIPPED = join(__dirname, '..', '..', '..', 'config', 'connectors', 'salesforce.yaml');

describe('Salesforce connector profiles', () => {
  const key = join(mkdtempSync(join(tmpdir(), 'ctxb-sf-')), 'key.pem');
  writeFileSync(key, '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n');
  const env = {
    SALESFORCE_CLIENT_ID: '3MVG9-app',
    SALESFORCE_USERNAME: 'integration@example.com',
    SALESFORCE_PRIVATE_KEY_FILE: key,
  };

  it('ships a valid Opportunity profile, its secrets from the environment', () => {
    const read = loadSalesforceProfile(SHIPPED, env);
    if ('problems' in read) throw new Error(JSON.stringify(read.problems));
    expect(read.profile).toMatchObject({
      name: 'salesforce',
      object: 'Opportunity',
      externalId: 'Context_Reference_Id__c',
      versionField: 'Context_Version__c',
      apiVersion: '62.0',
      maxApiUsage: 0.9,
      auth: {
        flow: 'jwt',
        loginUrl: 'https://login.salesforce.com',
        clientId: '3MVG9-app',
        username: 'integration@example.com',
      },
    });
    expect(Object.keys(read.profile.fields)).toContain('First_Touch_Channel__c');
  });

  it('reads where the money is: the amount field, a currency field, conditions', () => {
    const shipped = loadSalesforceProfile(SHIPPED, env);
    expect('profile' in shipped && shipped.profile.amounts).toEqual({
      amount: 'Amount',
      where: [{ field: 'StageName', values: ['Closed Won'] }],
    });
    const base = {
      connector: 'salesforce',
      auth: { flow: 'client-credentials', clientId: 'a', clientSecret: 'b' },
      object: 'Opportunity',
      externalId: 'Ref__c',
      versionField: 'Version__c',
      fields: { Description: { value: 'linked by Context Bridge' } },
    };
    const read = (amounts: unknown) => readSalesforceProfile({ ...base, amounts }, 'sf.yaml', {});
    const multi = read({
      amount: 'Amount',
      currency: 'CurrencyIsoCode',
      where: { IsWon: true, StageName: ['Closed Won', 'Invoiced'], Probability: 100 },
    });
    expect('profile' in multi && multi.profile.amounts).toEqual({
      amount: 'Amount',
      currency: 'CurrencyIsoCode',
      where: [
        { field: 'IsWon', values: [true] },
        { field: 'StageName', values: ['Closed Won', 'Invoiced'] },
        { field: 'Probability', values: [100] },
      ],
    });
    const problems = (amounts: unknown) => {
      const r = read(amounts);
      return 'problems' in r ? r.problems.map((p) => `${p.key}: ${p.message}`) : [];
    };
    expect(problems('Amount')).toEqual([
      'amounts: must be a mapping: amount (a field), currency, where',
    ]);
    expect(
      problems({ currency: 'Currency Code', where: { 'Stage Name': 'x', IsWon: [], x: {} }, y: 1 }),
    ).toEqual([
      'amounts.y: unknown key (expected one of amount, currency, where)',
      'amounts.amount: must be a field API name, e.g. Amount or CurrencyIsoCode',
      'amounts.currency: must be a field API name, e.g. Amount or CurrencyIsoCode',
      'amounts.where.Stage Name: is not a field API name',
      'amounts.where.IsWon: must be a value or a non-empty list of values',
      'amounts.where.x: must be a value or a non-empty list of values',
    ]);
  });

  it('upserts from the fields a link job carries what it upserts from the whole record', () => {
    const read = loadSalesforceProfile(SHIPPED, env);
    if ('problems' in read) throw new Error(JSON.stringify(read.problems));
    const record = order12345Records().at(-1)!;
    const request = { contextReferenceId: record.contextReferenceId, version: record.version };
    const reads = upsertReads(read.profile);
    expect(reads).toContain(read.profile.account!.from);
    const fromFields = upsertRecord(read.profile, {
      ...request,
      record: contextFields(record, reads),
      panelUrl: 'https://ctxb.example/panel/x',
    });
    expect(fromFields).toEqual(
      upsertRecord(read.profile, { ...request, record, panelUrl: 'https://ctxb.example/panel/x' }),
    );
    expect(Object.values(fromFields).filter((v) => v !== null).length).toBeGreaterThan(5);
  });

  it('names every missing secret and wrong key with the file', () => {
    const read = loadSalesforceProfile(SHIPPED, {});
    expect('problems' in read && read.problems.map((p) => [p.file, p.key])).toEqual([
      [SHIPPED, 'auth.clientId'],
      [SHIPPED, 'auth.username'],
      [SHIPPED, 'auth.privateKeyFile'],
    ]);
    const problems = readSalesforceProfile(
      {
        connector: 'salesforce',
        auth: { flow: 'password', clientId: 'a', clientSecret: 'b', username: 'u' },
        apiVersion: '40.0',
        object: 'Opportunity',
        externalId: 'Bad Field',
        versionField: 'Context_Version__c',
        fields: { Context_Version__c: { from: 'version' } },
        maxApiUsage: 2,
        extra: true,
      },
      'sf.yaml',
      {},
    );
    expect('problems' in problems && problems.problems.map((p) => p.key)).toEqual([
      'extra',
      'auth.password',
      'apiVersion',
      'externalId',
      'fields.Context_Version__c',
      'maxApiUsage',
    ]);
  });

  it('reads the client credentials and password flows', () => {
    const base = {
      connector: 'salesforce',
      object: 'Order',
      externalId: 'Ref__c',
      versionField: 'Version__c',
      fields: { Description: { value: 'linked by Context Bridge' } },
    };
    const cc = readSalesforceProfile(
      {
        ...base,
        auth: {
          flow: 'client-credentials',
          loginUrl: 'https://my.my.salesforce.com/',
          clientId: 'a',
          clientSecret: '${S}',
        },
      },
      'sf.yaml',
      { S: 'secret' },
    );
    expect('problems' in cc ? cc.problems : []).toEqual([]);
    expect('profile' in cc && cc.profile.auth).toEqual({
      flow: 'client-credentials',
      loginUrl: 'https://my.my.salesforce.com',
      clientId: 'a',
      clientSecret: 'secret',
    });
    const auth = { flow: 'client-credentials', clientId: 'a', clientSecret: 'b' };
    const bulk = readSalesforceProfile(
      { ...base, auth, bulkThreshold: 0, bulkTimeoutSeconds: 1.5 },
      'sf.yaml',
      {},
    );
    expect('problems' in bulk && bulk.problems.map((p) => p.key)).toEqual([
      'bulkThreshold',
      'bulkTimeoutSeconds',
    ]);
    const defaults = readSalesforceProfile({ ...base, auth }, 'sf.yaml', {});
    expect('profile' in defaults && defaults.profile).toMatchObject({
      bulkThreshold: 2000,
      bulkTimeoutSeconds: 600,
      apiVersion: '62.0',
    });
    const unknownFlow = readSalesforceProfile({ ...base, auth: { flow: 'saml' } }, 'sf.yaml', {});
    expect('problems' in unknownFlow && unknownFlow.problems.map((p) => p.key)).toEqual([
      'auth.flow',
    ]);
  });
});

describe('Salesforce calls', () => {
  it('escapes SOQL string literals', () => {
    expect(soqlString("ctx_a'b\\c")).toBe("'ctx_a\\'b\\\\c'");
  });

  it('retries locks, limits and unavailability; dead-letters refusals', () => {
    expect(recordFailureKind('UNABLE_TO_LOCK_ROW')).toBe('lock-timeout');
    expect(recordFailureKind('FIELD_CUSTOM_VALIDATION_EXCEPTION')).toBe('constraint');
    expect(recordFailureKind('DUPLICATE_EXTERNAL_ID')).toBe('constraint');
    expect(recordFailureKind('INVALID_FIELD')).toBe('configuration');
    const kind = (error: object) => callFailure(error, 'x').kind;
    expect(
      kind({ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }),
    ).toBe('rate-limited');
    expect(kind({ errorCode: 'SERVER_UNAVAILABLE', message: '' })).toBe('connection-lost');
    expect(kind({ errorCode: 'ERROR_HTTP_502', message: '' })).toBe('connection-lost');
    expect(kind({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' })).toBe('connection-lost');
    expect(kind({ name: 'invalid_grant', message: 'authentication failure' })).toBe(
      'configuration',
    );
    expect(kind({ errorCode: 'ERROR_HTTP_400', message: '' })).toBe('constraint');
    expect(kind({ errorCode: 'SOMETHING_NEW', message: '' })).toBe('unknown');
    expect(
      callFailure({ errorCode: 'UNABLE_TO_LOCK_ROW', message: 'busy' }, 'upserting').message,
    ).toBe('upserting: [UNABLE_TO_LOCK_ROW] busy');
  });
});
