import { createVerify, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A failure the next matching calls answer with, as Salesforce documents it. */
export type InjectedFailure =
  /** The whole call: HTTP status and a REST error body `[{ message, errorCode }]`. */
  | { call: 'upsert' | 'query' | 'any'; status: number; errorCode: string; message?: string }
  /** One record of a collection: an UpsertResult with success false. */
  | { call: 'record'; statusCode: string; message?: string; fields?: string[] };

/** A field as an sObject describe lists it. */
export interface DescribedField {
  name: string;
  relationshipName?: string;
  externalId?: boolean;
  createable?: boolean;
  updateable?: boolean;
}

interface IngestJob {
  id: string;
  object: string;
  externalIdFieldName: string;
  state: 'Open' | 'UploadComplete' | 'JobComplete' | 'Aborted';
  columns: string[];
  rows: Record<string, string>[];
  succeeded: (Record<string, string> & { sf__Id: string; sf__Created: string })[];
  failed: (Record<string, string> & { sf__Id: string; sf__Error: string })[];
}

interface Client {
  clientId: string;
  clientSecret?: string;
  /** PEM public key of the connected app's certificate (JWT bearer flow). */
  publicKey?: string;
  username?: string;
  password?: string;
}

/**
 * A local stand-in for the Salesforce REST API, for tests only: the OAuth 2.0 token endpoint
 * (JWT bearer, client credentials and username-password flows), SOQL queries of the shape
 * `SELECT f, … FROM Object WHERE Field IN ('a', …)`, sObject Collections upsert by external
 * id, and limits. Status codes, error bodies and the `Sforce-Limit-Info` header follow
 * Salesforce's documentation. A switchboard injects failures; counters tell how many calls of
 * each kind were made.
 */
export class SalesforceDouble {
  private server: Server | undefined;
  private readonly tokens = new Set<string>();
  /** Every token is refused, fresh ones too (a revoked connected app). */
  refuseAllTokens = false;
  readonly records = new Map<string, Map<string, Record<string, unknown>>>();
  readonly calls = { token: 0, query: 0, upsert: 0, limits: 0, bulk: 0 };
  /** Bulk API 2.0 ingest jobs by id. */
  readonly jobs = new Map<string, IngestJob>();
  private readonly failures: { failure: InjectedFailure; times: number; after: number }[] = [];
  apiUsage = { used: 0, limit: 15_000 };
  url = '';

  constructor(
    private readonly client: Client,
    /** Objects the org has, for describe: their fields. */
    private readonly objects: Record<string, DescribedField[]> = {},
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((error: Error) => {
        if (!res.headersSent)
          this.json(res, 500, [{ message: error.message, errorCode: 'UNKNOWN_EXCEPTION' }]);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** The next `times` matching calls (or records) fail with `failure`, after `after` pass. */
  fail(failure: InjectedFailure, times = 1, after = 0): void {
    this.failures.push({ failure, times, after });
  }

  /** Drops the failures not used yet. */
  clearFailures(): void {
    this.failures.length = 0;
  }

  /** Every token issued so far expires (the next call with one gets INVALID_SESSION_ID). */
  expireTokens(): void {
    this.tokens.clear();
  }

  /** The records of one object, by external id value. */
  recordsOf(object: string): Record<string, unknown>[] {
    return [...(this.records.get(object)?.values() ?? [])];
  }

  private injected(kinds: InjectedFailure['call'][]): InjectedFailure | undefined {
    const at = this.failures.findIndex((f) => kinds.includes(f.failure.call));
    if (at < 0) return undefined;
    const entry = this.failures[at];
    if (entry.after > 0) {
      entry.after--;
      return undefined;
    }
    if (--entry.times <= 0) this.failures.splice(at, 1);
    return entry.failure;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const body = await new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      req.on('end', () => resolve(text));
    });
    if (req.method === 'POST' && url.pathname === '/services/oauth2/token')
      return this.token(new URLSearchParams(body), res);
    const api = /^\/services\/data\/v(\d+\.\d)\/(.*)$/.exec(url.pathname);
    if (!api)
      return this.json(res, 404, [
        { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
      ]);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !this.tokens.has(token) || this.refuseAllTokens)
      return this.json(res, 401, [
        { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
      ]);
    this.apiUsage.used++;
    const path = api[2];
    if (req.method === 'GET' && path === 'limits') {
      this.calls.limits++;
      return this.json(res, 200, {
        DailyApiRequests: {
          Max: this.apiUsage.limit,
          Remaining: this.apiUsage.limit - this.apiUsage.used,
        },
      });
    }
    const describe = /^sobjects\/([A-Za-z0-9_]+)\/describe$/.exec(path);
    if (req.method === 'GET' && describe) {
      const fields = this.objects[describe[1]];
      if (!fields)
        return this.json(res, 404, [
          { message: `sObject type '${describe[1]}' is not supported.`, errorCode: 'NOT_FOUND' },
        ]);
      return this.json(res, 200, {
        name: describe[1],
        fields: fields.map((f) => ({
          createable: true,
          updateable: true,
          externalId: false,
          ...f,
        })),
      });
    }
    if (path === 'jobs/ingest' || path.startsWith('jobs/ingest/'))
      return this.bulk(req.method ?? 'GET', path.split('/').slice(2), body, res);
    if (req.method === 'GET' && path === 'query')
      return this.query(url.searchParams.get('q') ?? '', res);
    const upsert = /^composite\/sobjects\/([A-Za-z0-9_]+)\/([A-Za-z0-9_]+)$/.exec(path);
    if (req.method === 'PATCH' && upsert) return this.upsert(upsert[1], upsert[2], body, res);
    return this.json(res, 404, [
      { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
    ]);
  }

  private token(params: URLSearchParams, res: ServerResponse): void {
    this.calls.token++;
    const refuse = (description: string) =>
      this.json(res, 400, { error: 'invalid_grant', error_description: description });
    const grant = params.get('grant_type');
    if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      const [header, claims, signature] = (params.get('assertion') ?? '').split('.');
      if (!this.client.publicKey || !signature) return refuse('invalid assertion');
      const valid = createVerify('RSA-SHA256')
        .update(`${header}.${claims}`)
        .verify(this.client.publicKey, signature, 'base64url');
      const c = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      if (!valid) return refuse('invalid assertion');
      if (c.iss !== this.client.clientId)
        return this.json(res, 400, {
          error: 'invalid_client_id',
          error_description: 'client identifier invalid',
        });
      if (c.sub !== this.client.username) return refuse("user hasn't approved this consumer");
      if (c.aud !== this.url) return refuse('audience is invalid');
      if (typeof c.exp !== 'number' || c.exp * 1000 < Date.now())
        return refuse('expired authorization code');
    } else if (grant === 'client_credentials' || grant === 'password') {
      if (
        params.get('client_id') !== this.client.clientId ||
        params.get('client_secret') !== this.client.clientSecret
      )
        return this.json(res, 400, {
          error: 'invalid_client',
          error_description: 'invalid client credentials',
        });
      if (
        grant === 'password' &&
        (params.get('username') !== this.client.username ||
          params.get('password') !== this.client.password)
      )
        return refuse('authentication failure');
    } else
      return this.json(res, 400, {
        error: 'unsupported_grant_type',
        error_description: 'grant type not supported',
      });
    const accessToken = `00D000000000001!${randomBytes(24).toString('base64url')}`;
    this.tokens.add(accessToken);
    this.json(res, 200, {
      access_token: accessToken,
      instance_url: this.url,
      id: `${this.url}/id/00D000000000001AAA/005000000000001AAA`,
      token_type: 'Bearer',
      issued_at: String(Date.now()),
      scope: 'api',
    });
  }

  private query(soql: string, res: ServerResponse): void {
    this.calls.query++;
    const injected = this.injected(['query', 'any']);
    if (injected && injected.call !== 'record') return this.error(res, injected);
    const m = /^SELECT (.+) FROM ([A-Za-z0-9_]+) WHERE ([A-Za-z0-9_]+) IN \((.*)\)$/.exec(soql);
    if (!m)
      return this.json(res, 400, [
        { message: `unexpected token: ${soql.slice(0, 40)}`, errorCode: 'MALFORMED_QUERY' },
      ]);
    const [, fields, object, field, list] = m;
    const values = [...list.matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((v) =>
      v[1].replace(/\\(.)/g, '$1'),
    );
    const rows = this.recordsOf(object).filter((r) => values.includes(String(r[field])));
    const names = fields.split(',').map((f) => f.trim());
    this.json(res, 200, {
      totalSize: rows.length,
      done: true,
      records: rows.map((r) => ({
        attributes: {
          type: object,
          url: `/services/data/v62.0/sobjects/${object}/${String(r.Id)}`,
        },
        ...Object.fromEntries(names.map((n) => [n, r[n] ?? null])),
      })),
    });
  }

  private upsert(object: string, externalId: string, text: string, res: ServerResponse): void {
    this.calls.upsert++;
    const injected = this.injected(['upsert', 'any']);
    if (injected && injected.call !== 'record') return this.error(res, injected);
    const body = JSON.parse(text) as { allOrNone?: boolean; records: Record<string, unknown>[] };
    if (body.records.length > 200)
      return this.json(res, 400, [
        { message: 'Maximum number of records is 200', errorCode: 'EXCEEDED_ID_LIMIT' },
      ]);
    const table = this.records.get(object) ?? new Map<string, Record<string, unknown>>();
    this.records.set(object, table);
    const results = body.records.map((record) => {
      const { attributes, ...fields } = record as {
        attributes?: { type?: string };
      } & Record<string, unknown>;
      if (attributes?.type !== object)
        return {
          success: false,
          errors: [
            {
              statusCode: 'INVALID_TYPE',
              message: 'attributes.type must match the URI',
              fields: [],
            },
          ],
        };
      const key = typeof fields[externalId] === 'string' ? fields[externalId] : '';
      const failure = this.injected(['record']);
      if (failure && failure.call === 'record')
        return {
          success: false,
          errors: [
            {
              statusCode: failure.statusCode,
              message: failure.message ?? failure.statusCode,
              fields: failure.fields ?? [],
            },
          ],
        };
      const resolved = this.relationships(fields);
      if ('error' in resolved)
        return {
          success: false,
          errors: [{ statusCode: 'INVALID_FIELD', message: resolved.error, fields: [] }],
        };
      const existing = table.get(key);
      const id =
        (existing?.Id as string | undefined) ??
        `006${randomBytes(6).toString('hex').slice(0, 12).toUpperCase()}AAA`;
      table.set(key, { ...existing, ...resolved.fields, Id: id });
      return { id, success: true, errors: [], created: !existing };
    });
    this.json(res, 200, results);
  }

  /** Bulk API 2.0 ingest: create, upload CSV, close (processed at once), state, results. */
  private bulk(method: string, parts: string[], body: string, res: ServerResponse): void {
    this.calls.bulk++;
    const [id, resource] = parts;
    if (method === 'POST' && !id) {
      const spec = JSON.parse(body) as {
        object?: string;
        operation?: string;
        externalIdFieldName?: string;
      };
      if (spec.operation !== 'upsert' || !spec.object || !spec.externalIdFieldName)
        return this.json(res, 400, [
          {
            message: 'InvalidJob : operation upsert needs object and externalIdFieldName',
            errorCode: 'INVALIDJOB',
          },
        ]);
      const job: IngestJob = {
        id: `7505g${randomBytes(5).toString('hex').toUpperCase()}AAA`,
        object: spec.object,
        externalIdFieldName: spec.externalIdFieldName,
        state: 'Open',
        columns: [],
        rows: [],
        succeeded: [],
        failed: [],
      };
      this.jobs.set(job.id, job);
      return this.json(res, 200, this.jobInfo(job));
    }
    const job = id ? this.jobs.get(id) : undefined;
    if (!job)
      return this.json(res, 404, [
        { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
      ]);
    if (method === 'PUT' && resource === 'batches') {
      if (job.state !== 'Open')
        return this.json(res, 409, [
          { message: 'Job is not open for uploads', errorCode: 'INVALIDJOBSTATE' },
        ]);
      const [header, ...lines] = parseCsv(body);
      job.columns = header;
      job.rows.push(
        ...lines.map((line) => Object.fromEntries(header.map((h, i) => [h, line[i] ?? '']))),
      );
      res.writeHead(201);
      return void res.end();
    }
    if (method === 'PATCH' && !resource) {
      const { state } = JSON.parse(body) as { state?: string };
      if (state === 'UploadComplete' && job.state === 'Open') this.process(job);
      else if (state === 'Aborted') job.state = 'Aborted';
      return this.json(res, 200, this.jobInfo(job));
    }
    if (method === 'GET' && !resource) return this.json(res, 200, this.jobInfo(job));
    if (method === 'DELETE' && !resource) {
      this.jobs.delete(job.id);
      res.writeHead(204);
      return void res.end();
    }
    const csv = (columns: string[], rows: Record<string, string>[]) => {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.end(
        [columns, ...rows.map((r) => columns.map((c) => r[c] ?? ''))].map(toCsvLine).join('\n') +
          '\n',
      );
    };
    if (method === 'GET' && resource === 'successfulResults')
      return csv(['sf__Id', 'sf__Created', ...job.columns], job.succeeded);
    if (method === 'GET' && resource === 'failedResults')
      return csv(['sf__Id', 'sf__Error', ...job.columns], job.failed);
    if (method === 'GET' && resource === 'unprocessedrecords') return csv(job.columns, []);
    return this.json(res, 404, [
      { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
    ]);
  }

  /**
   * Relationships given by external id (`Account: { Customer_Number__c: "C-1001" }`) resolved
   * to the related record's id field (`AccountId`), as Salesforce does; an unknown one is the
   * record's error.
   */
  private relationships(
    fields: Record<string, unknown>,
  ): { fields: Record<string, unknown> } | { error: string } {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(fields)) {
      if (value === null || typeof value !== 'object') {
        out[name] = value;
        continue;
      }
      const [[field, key]] = Object.entries(value as Record<string, unknown>);
      const related = this.recordsOf(name).find((r) => r[field] === key);
      if (!related)
        return {
          error: `Foreign key external ID: ${String(key)} not found for field ${field} in entity ${name}`,
        };
      out[`${name}Id`] = related.Id;
    }
    return { fields: out };
  }

  /** Adds a record of another object (an Account), keyed by its Id. */
  insert(object: string, record: Record<string, unknown>): string {
    const table = this.records.get(object) ?? new Map<string, Record<string, unknown>>();
    this.records.set(object, table);
    const id = `001${randomBytes(6).toString('hex').slice(0, 12).toUpperCase()}AAA`;
    table.set(id, { ...record, Id: id });
    return id;
  }

  /** A closed job's rows upserted, as Salesforce would after UploadComplete. */
  private process(job: IngestJob): void {
    const table = this.records.get(job.object) ?? new Map<string, Record<string, unknown>>();
    this.records.set(job.object, table);
    for (const row of job.rows) {
      const failure = this.injected(['record']);
      if (failure && failure.call === 'record') {
        job.failed.push({
          ...row,
          sf__Id: '',
          sf__Error: `${failure.statusCode}:${failure.message ?? failure.statusCode}:${(failure.fields ?? []).join(',')}`,
        });
        continue;
      }
      const key = row[job.externalIdFieldName];
      // CSV names a relationship by external id as `Account.Customer_Number__c`.
      const nested: Record<string, unknown> = {};
      for (const [column, value] of Object.entries(row))
        if (column.includes('.')) {
          const [relationship, field] = column.split('.');
          nested[relationship] = { [field]: value };
        } else nested[column] = value;
      const resolved = this.relationships(nested);
      if ('error' in resolved) {
        job.failed.push({ ...row, sf__Id: '', sf__Error: `INVALID_FIELD:${resolved.error}:` });
        continue;
      }
      const existing = table.get(key);
      const id =
        (existing?.Id as string | undefined) ??
        `006${randomBytes(6).toString('hex').slice(0, 12).toUpperCase()}AAA`;
      // CSV carries text: numbers come back as numbers, as the field types would make them.
      const typed = Object.fromEntries(
        Object.entries(row).map(([k, v]) => [k, v !== '' && /^-?\d+$/.test(v) ? Number(v) : v]),
      );
      const plain = Object.fromEntries(Object.entries(typed).filter(([k]) => !k.includes('.')));
      table.set(key, {
        ...existing,
        ...plain,
        ...(resolved.fields.AccountId ? { AccountId: resolved.fields.AccountId } : {}),
        Id: id,
      });
      job.succeeded.push({ ...row, sf__Id: id, sf__Created: String(!existing) });
    }
    job.state = 'JobComplete';
  }

  private jobInfo(job: IngestJob): object {
    return {
      id: job.id,
      operation: 'upsert',
      object: job.object,
      externalIdFieldName: job.externalIdFieldName,
      state: job.state,
      contentType: 'CSV',
      lineEnding: 'LF',
      columnDelimiter: 'COMMA',
      apiVersion: 62.0,
      numberRecordsProcessed: job.succeeded.length + job.failed.length,
      numberRecordsFailed: job.failed.length,
    };
  }

  private error(res: ServerResponse, failure: Extract<InjectedFailure, { status: number }>): void {
    this.json(res, failure.status, [
      { message: failure.message ?? failure.errorCode, errorCode: failure.errorCode },
    ]);
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, {
      'content-type': 'application/json;charset=UTF-8',
      'sforce-limit-info': `api-usage=${this.apiUsage.used}/${this.apiUsage.limit}`,
    });
    res.end(JSON.stringify(body));
  }
}

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

function toCsvLine(values: string[]): string {
  return values.map((v) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',');
}
