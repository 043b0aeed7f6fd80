import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import {
  isRecord,
  readYamlFile,
  readFieldMapping,
  unknownKeys,
  withEnvironment,
  type FieldMapping,
  type MappingProblem,
} from '@ctxb/connector-sdk';

/**
 * How the connector signs in (Salesforce's OAuth 2.0 flows for server integrations): the JWT
 * bearer flow (a connected app's certificate, production use), the client credentials flow
 * (a connected app's run-as user), or username and password (sandboxes).
 */
export type SalesforceAuth =
  | { flow: 'jwt'; loginUrl: string; clientId: string; username: string; privateKey: string }
  | { flow: 'client-credentials'; loginUrl: string; clientId: string; clientSecret: string }
  | {
      flow: 'password';
      loginUrl: string;
      clientId: string;
      clientSecret: string;
      username: string;
      /** The password with the security token appended, as Salesforce expects it. */
      password: string;
    };

export const AUTH_FLOWS = ['jwt', 'client-credentials', 'password'] as const;

/**
 * Where a CRM record's money is: its amount field (Opportunity's `Amount`), the ISO currency
 * field of a multi-currency org (`CurrencyIsoCode`; without it the amount is taken in the
 * order's currency), and conditions every record must meet for its amount to count (say
 * `StageName: Closed Won`): a record that does not meet them reads as 0 (see crmAmounts).
 */
export interface CrmAmountsProfile {
  amount: string;
  currency?: string;
  where: { field: string; values: (string | number | boolean)[] }[];
}

/** A configured Salesforce org and the object context links are upserted into. */
export interface SalesforceProfile {
  /** The file's name without `.yaml`: what deliveries and document links record. */
  name: string;
  file: string;
  auth: SalesforceAuth;
  /** REST API version, e.g. "62.0" (sObject Collections upsert needs 46.0 or later). */
  apiVersion: string;
  /** The object upserted: Opportunity, Order, or a custom object. */
  object: string;
  /** The external id field holding the contextReferenceId: records are upserted by it. */
  externalId: string;
  /** The field holding the context version: a record holding a newer one is left as it is. */
  versionField: string;
  /** Fields set on every upsert, from the context record. */
  fields: FieldMapping;
  /**
   * Share of the org's daily API requests (from `Sforce-Limit-Info`) above which the connector
   * stops calling and its jobs wait (retried as rate-limited).
   */
  maxApiUsage: number;
  /**
   * Batches of at least this many upserts go through one Bulk API 2.0 ingest job instead of
   * sObject Collections calls (batches grow with the backlog: see links.connectors' concurrency).
   */
  bulkThreshold: number;
  /** How long a Bulk API 2.0 job is waited for before its records are retried. */
  bulkTimeoutSeconds: number;
  /**
   * Where the record's money is, read back after each upsert (see CrmAmountsProfile): reports
   * set the CRM's figure beside the shop's, AR's and GL's.
   */
  amounts?: CrmAmountsProfile;
  /**
   * The record's Account, found by an External ID field of Account (the shop's customer id):
   * set as the relationship, so Account roll-up summary fields add up its orders.
   */
  account?: { relationship: string; externalId: string; from: string };
}

export interface SalesforceProfileProblem extends MappingProblem {
  file: string;
}

const API_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;

export function loadSalesforceProfile(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): { profile: SalesforceProfile } | { problems: SalesforceProfileProblem[] } {
  const read = readYamlFile(file);
  if ('problem' in read) return { problems: [{ file, key: '', message: read.problem }] };
  return readSalesforceProfile(read.input, file, env);
}

/** Checks a parsed profile: every problem at once, or the profile. */
export function readSalesforceProfile(
  input: unknown,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): { profile: SalesforceProfile } | { problems: SalesforceProfileProblem[] } {
  const problems: MappingProblem[] = [];
  const problem = (key: string, message: string) => problems.push({ key, message });
  const at = isRecord(input) ? input : {};
  if (!isRecord(input))
    problem('', 'a profile is a YAML mapping (connector, auth, object, fields)');
  unknownKeys(
    at,
    [
      'connector',
      'auth',
      'apiVersion',
      'object',
      'externalId',
      'versionField',
      'fields',
      'maxApiUsage',
      'bulkThreshold',
      'bulkTimeoutSeconds',
      'account',
      'amounts',
    ],
    '',
    problem,
  );
  if (at.connector !== 'salesforce') problem('connector', 'must be salesforce');
  const auth = readAuth(at.auth, env, problem);
  // YAML reads 62.0 as the number 62.
  const apiVersion =
    typeof at.apiVersion === 'number'
      ? at.apiVersion.toFixed(1)
      : typeof at.apiVersion === 'string'
        ? at.apiVersion
        : at.apiVersion === undefined
          ? '62.0'
          : '';
  if (!/^\d{2,3}\.0$/.test(apiVersion) || Number(apiVersion) < 46)
    problem('apiVersion', 'must be a REST API version such as "62.0", 46.0 or later');
  const name = (key: 'object' | 'externalId' | 'versionField') => {
    const value = at[key];
    if (typeof value === 'string' && API_NAME.test(value)) return value;
    problem(key, 'must be an API name (letters, digits, underscores; custom ones end in __c)');
    return '';
  };
  const object = name('object');
  const externalId = name('externalId');
  const versionField = name('versionField');
  const read = readFieldMapping(at.fields, 'fields');
  if ('problems' in read) problems.push(...read.problems);
  const fields = 'mapping' in read ? read.mapping : {};
  for (const field of Object.keys(fields)) {
    if (!API_NAME.test(field)) problem(`fields.${field}`, 'is not a field API name');
    if (field === externalId || field === versionField)
      problem(`fields.${field}`, 'is set by the connector itself (the reference and the version)');
  }
  const maxApiUsage = at.maxApiUsage ?? 0.9;
  if (typeof maxApiUsage !== 'number' || !(maxApiUsage > 0 && maxApiUsage <= 1))
    problem('maxApiUsage', 'must be a share above 0 and at most 1 (0.9: stop at 90 %)');
  const bulkThreshold = at.bulkThreshold ?? 2000;
  if (!Number.isInteger(bulkThreshold) || (bulkThreshold as number) < 1)
    problem('bulkThreshold', 'must be a whole number of records, at least 1');
  const bulkTimeoutSeconds = at.bulkTimeoutSeconds ?? 600;
  if (!Number.isInteger(bulkTimeoutSeconds) || (bulkTimeoutSeconds as number) < 1)
    problem('bulkTimeoutSeconds', 'must be a whole number of seconds, at least 1');
  let account: SalesforceProfile['account'];
  if (at.account !== undefined) {
    const a = isRecord(at.account) ? at.account : {};
    unknownKeys(a, ['relationship', 'externalId', 'from'], 'account', problem);
    const relationship = a.relationship ?? 'Account';
    if (typeof relationship !== 'string' || !API_NAME.test(relationship))
      problem('account.relationship', 'must be a relationship name such as Account');
    if (typeof a.externalId !== 'string' || !API_NAME.test(a.externalId))
      problem(
        'account.externalId',
        'must be an External ID field of Account, e.g. Customer_Number__c',
      );
    if (typeof a.from !== 'string' || a.from === '')
      problem('account.from', 'must be a path into the context record, e.g. order.customerId');
    account = {
      relationship: typeof relationship === 'string' ? relationship : '',
      externalId: String(a.externalId),
      from: String(a.from),
    };
  }
  const amounts = at.amounts === undefined ? undefined : readAmounts(at.amounts, problem);
  if (problems.length > 0 || !auth) return { problems: problems.map((p) => ({ file, ...p })) };
  return {
    profile: {
      name: basename(file, extname(file)),
      file,
      auth,
      apiVersion,
      object,
      externalId,
      versionField,
      fields,
      maxApiUsage: maxApiUsage as number,
      bulkThreshold: bulkThreshold as number,
      bulkTimeoutSeconds: bulkTimeoutSeconds as number,
      ...(account ? { account } : {}),
      ...(amounts ? { amounts } : {}),
    },
  };
}

function readAmounts(
  input: unknown,
  report: (key: string, message: string) => void,
): CrmAmountsProfile | undefined {
  if (!isRecord(input)) {
    report('amounts', 'must be a mapping: amount (a field), currency, where');
    return undefined;
  }
  let ok = true;
  const problem = (key: string, message: string) => {
    ok = false;
    report(key, message);
  };
  unknownKeys(input, ['amount', 'currency', 'where'], 'amounts', problem);
  const field = (key: 'amount' | 'currency'): string | undefined => {
    const value = input[key];
    if (value === undefined && key === 'currency') return undefined;
    if (typeof value === 'string' && API_NAME.test(value)) return value;
    problem(`amounts.${key}`, 'must be a field API name, e.g. Amount or CurrencyIsoCode');
    return undefined;
  };
  const amount = field('amount');
  const currency = field('currency');
  const where: CrmAmountsProfile['where'] = [];
  if (input.where !== undefined && !isRecord(input.where))
    problem('amounts.where', 'must be a mapping of field to a value or a list of values');
  const scalar = (v: unknown): v is string | number | boolean =>
    typeof v === 'string' ||
    typeof v === 'boolean' ||
    (typeof v === 'number' && Number.isFinite(v));
  for (const [name, condition] of Object.entries(isRecord(input.where) ? input.where : {})) {
    if (!API_NAME.test(name)) problem(`amounts.where.${name}`, 'is not a field API name');
    else if (scalar(condition)) where.push({ field: name, values: [condition] });
    else if (Array.isArray(condition) && condition.length > 0 && condition.every(scalar))
      where.push({ field: name, values: condition });
    else problem(`amounts.where.${name}`, 'must be a value or a non-empty list of values');
  }
  if (!ok || !amount) return undefined;
  return { amount, ...(currency ? { currency } : {}), where };
}

function readAuth(
  input: unknown,
  env: NodeJS.ProcessEnv,
  problem: (key: string, message: string) => void,
): SalesforceAuth | undefined {
  if (!isRecord(input)) {
    problem('auth', `must be a mapping with flow (${AUTH_FLOWS.join(', ')}) and its settings`);
    return undefined;
  }
  const flow = input.flow;
  if (!(AUTH_FLOWS as readonly unknown[]).includes(flow)) {
    problem('auth.flow', `must be one of ${AUTH_FLOWS.join(', ')}`);
    return undefined;
  }
  const needs: Record<(typeof AUTH_FLOWS)[number], string[]> = {
    jwt: ['clientId', 'username', 'privateKeyFile'],
    'client-credentials': ['clientId', 'clientSecret'],
    password: ['clientId', 'clientSecret', 'username', 'password'],
  };
  const wanted = needs[flow as (typeof AUTH_FLOWS)[number]];
  unknownKeys(input, ['flow', 'loginUrl', ...wanted], 'auth', problem);
  let ok = true;
  const values: Record<string, string> = {};
  for (const key of ['loginUrl', ...wanted]) {
    const raw = input[key] ?? (key === 'loginUrl' ? 'https://login.salesforce.com' : undefined);
    if (typeof raw !== 'string' || raw.trim() === '') {
      ok = false;
      problem(`auth.${key}`, `is needed for the ${String(flow)} flow`);
      continue;
    }
    const filled = withEnvironment(raw, env);
    if ('missing' in filled) {
      ok = false;
      problem(`auth.${key}`, `environment variables not set: ${filled.missing.join(', ')}`);
      continue;
    }
    values[key] = filled.value;
  }
  if (values.loginUrl && !/^https?:\/\/[^\s/]+/.test(values.loginUrl)) {
    ok = false;
    problem('auth.loginUrl', 'must be an http(s) URL such as https://test.salesforce.com');
  }
  if (!ok) return undefined;
  const loginUrl = values.loginUrl.replace(/\/+$/, '');
  if (flow === 'jwt') {
    let privateKey: string;
    try {
      privateKey = readFileSync(values.privateKeyFile, 'utf8');
    } catch (error) {
      problem('auth.privateKeyFile', `cannot be read: ${(error as Error).message}`);
      return undefined;
    }
    return { flow, loginUrl, clientId: values.clientId, username: values.username, privateKey };
  }
  if (flow === 'client-credentials')
    return { flow, loginUrl, clientId: values.clientId, clientSecret: values.clientSecret };
  return {
    flow: 'password',
    loginUrl,
    clientId: values.clientId,
    clientSecret: values.clientSecret,
    username: values.username,
    password: values.password,
  };
}
