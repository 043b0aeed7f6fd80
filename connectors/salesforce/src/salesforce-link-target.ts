import {
  applyFieldMapping,
  DeliveryFailure,
  mappingPaths,
  mappingSource,
  type ErpAmount,
  type LinkOutcome,
  type LinkRequest,
  type LinkTargetWriter,
} from '@ctxb/connector-sdk';
import type { Connection } from 'jsforce';
import { callFailure, recordFailureKind } from './salesforce-failure';
import { crmAmountFields, crmAmounts } from './crm-amounts';
import type { SalesforceProfile } from './salesforce-profile';
import type { SalesforceSession } from './salesforce-session';

/** Records per sObject Collections call: the API's limit. */
export const COLLECTION_SIZE = 200;
/**
 * References per version query: ~14 KB of URL-encoded SOQL, inside the REST API's 16,384
 * character URI limit.
 */
export const VERSION_QUERY_SIZE = 300;

interface UpsertResult {
  id?: string;
  success: boolean;
  created?: boolean;
  errors?: { statusCode?: string; errorCode?: string; message?: string; fields?: string[] }[];
}

/** A string as a SOQL literal: quotes and backslashes escaped. */
export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The CRM link: each context version upserted into the profile's object by its external id
 * (the contextReferenceId), 200 records a call through sObject Collections, or one Bulk API 2.0
 * job for a batch of `bulkThreshold` or more. A record holding the version or a newer one is
 * left as it is (read first, one query per 300 references); of
 * several versions of one context in a batch, only the newest is sent. Each record's result is
 * its own: a validation rule refusing one never holds back the others.
 */
export class SalesforceLinkTarget implements LinkTargetWriter {
  readonly target = 'crm' as const;

  constructor(
    private readonly profile: SalesforceProfile,
    private readonly session: SalesforceSession,
  ) {}

  async write(batch: readonly LinkRequest[]): Promise<LinkOutcome[]> {
    const outcomes: LinkOutcome[] = new Array<LinkOutcome>(batch.length);
    // The newest version of each context in the batch; the others are current once it is.
    const newest = new Map<string, number>();
    batch.forEach((request, i) => {
      const at = newest.get(request.contextReferenceId);
      if (at === undefined || batch[at].version < request.version)
        newest.set(request.contextReferenceId, i);
    });
    const sent = [...newest.values()];
    try {
      const held = await this.heldVersions(sent.map((i) => batch[i].contextReferenceId));
      const upserts: { index: number; record: Record<string, unknown> }[] = [];
      for (const i of sent) {
        const request = batch[i];
        const found = held.get(request.contextReferenceId);
        if (found && found.version !== null && found.version >= request.version) {
          outcomes[i] = { status: 'current', recordIds: [found.id] };
          continue;
        }
        try {
          upserts.push({ index: i, record: upsertRecord(this.profile, request) });
        } catch (error) {
          outcomes[i] = { status: 'failed', failure: callFailure(error, 'mapping') };
        }
      }
      if (upserts.length >= this.profile.bulkThreshold) {
        const results = await this.bulkUpsert(upserts.map((u) => u.record)).catch(
          (error: unknown) => error as DeliveryFailure,
        );
        for (const { index } of upserts)
          outcomes[index] =
            results instanceof DeliveryFailure
              ? { status: 'failed', failure: results }
              : (results.get(batch[index].contextReferenceId) ?? {
                  status: 'failed',
                  failure: new DeliveryFailure(
                    'unknown',
                    'bulk upserting: no result for the record',
                  ),
                });
      } else
        for (let start = 0; start < upserts.length; start += COLLECTION_SIZE) {
          const chunk = upserts.slice(start, start + COLLECTION_SIZE);
          const results = await this.upsert(chunk.map((u) => u.record)).catch(
            (error: unknown) => error as DeliveryFailure,
          );
          chunk.forEach(({ index }, k) => {
            outcomes[index] =
              results instanceof DeliveryFailure
                ? { status: 'failed', failure: results }
                : outcomeOf(results[k]);
          });
        }
    } catch (error) {
      const failure = callFailure(error, 'reading versions');
      for (const i of sent) outcomes[i] ??= { status: 'failed', failure };
    }
    batch.forEach((request, i) => {
      if (outcomes[i]) return;
      const winner = outcomes[newest.get(request.contextReferenceId)!];
      outcomes[i] =
        winner.status === 'written' || winner.status === 'current'
          ? { status: 'current', recordIds: winner.recordIds }
          : winner;
    });
    return this.withAmounts(batch, outcomes);
  }

  /**
   * The outcomes with the money the CRM holds in the records they linked, when the profile
   * names it: read after the upserts (one query per 300 references), so triggers and flows
   * that change the amount are seen. If the read fails, the linked requests fail with it and
   * are tried again: the retry finds its version held and reads the money.
   */
  private async withAmounts(
    batch: readonly LinkRequest[],
    outcomes: LinkOutcome[],
  ): Promise<LinkOutcome[]> {
    const amounts = this.profile.amounts;
    const linked = (o: LinkOutcome): o is Extract<LinkOutcome, { recordIds: string[] }> =>
      o.status === 'written' || o.status === 'current';
    if (!amounts || !outcomes.some(linked)) return outcomes;
    const references = [
      ...new Set(batch.filter((_, i) => linked(outcomes[i])).map((r) => r.contextReferenceId)),
    ];
    let held: Map<string, ErpAmount[]>;
    try {
      held = await this.amountsOf(references);
    } catch (error) {
      const failure = callFailure(error, 'reading amounts');
      return outcomes.map((o) => (linked(o) ? { status: 'failed', failure } : o));
    }
    return outcomes.map((o, i) =>
      linked(o) ? { ...o, amounts: held.get(batch[i].contextReferenceId) ?? [] } : o,
    );
  }

  /**
   * The money the CRM holds in the records carrying these references, by reference (none
   * without `amounts` in the profile): one query per 300 of them. The CLI's `connectors
   * test` reads the example's this way; a delivery reads right after its upserts.
   */
  async amountsOf(references: readonly string[]): Promise<Map<string, ErpAmount[]>> {
    const { amounts, externalId } = this.profile;
    const held = new Map<string, ErpAmount[]>();
    if (!amounts) return held;
    const fields = [...new Set(['Id', externalId, ...crmAmountFields(amounts)])];
    for (const row of await this.recordsOf('reading amounts', fields, references))
      held.set(String(row[externalId]), crmAmounts(amounts, row));
    return held;
  }

  /** The id and version of the records already holding these references. */
  private async heldVersions(
    references: string[],
  ): Promise<Map<string, { id: string; version: number | null }>> {
    const { externalId, versionField } = this.profile;
    const held = new Map<string, { id: string; version: number | null }>();
    const rows = await this.recordsOf(
      'reading versions',
      ['Id', externalId, versionField],
      references,
    );
    for (const row of rows) {
      const version = row[versionField];
      held.set(String(row[externalId]), {
        id: String(row.Id),
        version: version === null || version === undefined ? null : Number(version),
      });
    }
    return held;
  }

  /** These fields of the records holding the references: one SOQL query per 300 of them. */
  private async recordsOf(
    doing: string,
    fields: readonly string[],
    references: readonly string[],
  ): Promise<Record<string, unknown>[]> {
    const { object, externalId } = this.profile;
    const rows: Record<string, unknown>[] = [];
    for (let start = 0; start < references.length; start += VERSION_QUERY_SIZE) {
      const list = references.slice(start, start + VERSION_QUERY_SIZE).map(soqlString);
      const soql = `SELECT ${fields.join(', ')} FROM ${object} WHERE ${externalId} IN (${list.join(', ')})`;
      const result = await this.call(
        doing,
        async (c) =>
          (await c.query<Record<string, unknown>>(soql)) as { records: Record<string, unknown>[] },
      );
      rows.push(...result.records);
    }
    return rows;
  }

  private upsert(records: Record<string, unknown>[]): Promise<UpsertResult[]> {
    const { object, externalId } = this.profile;
    return this.call(
      'upserting',
      async (c) =>
        (await c.upsert(object, records as never[], externalId, {
          allOrNone: false,
        })) as unknown as UpsertResult[],
    );
  }

  /**
   * One Bulk API 2.0 ingest job upserting every record: created, data uploaded as CSV, closed,
   * polled until done, its results read. Each outcome by the record's reference; a record the
   * job did not process is retried.
   */
  private async bulkUpsert(records: Record<string, unknown>[]): Promise<Map<string, LinkOutcome>> {
    const { object, externalId, bulkTimeoutSeconds } = this.profile;
    const results = await this.call('bulk upserting', (c) =>
      c.bulk2.loadAndWaitForResults({
        object,
        operation: 'upsert',
        externalIdFieldName: externalId,
        input: records.map(flattened),
        pollInterval: 500,
        pollTimeout: bulkTimeoutSeconds * 1000,
      }),
    );
    const outcomes = new Map<string, LinkOutcome>();
    for (const row of results.successfulResults)
      outcomes.set(String((row as Record<string, unknown>)[externalId]), {
        status: 'written',
        recordIds: [row.sf__Id],
      });
    for (const row of results.failedResults) {
      // "STATUS_CODE:message:fields"
      const [code, ...rest] = row.sf__Error.split(':');
      const message = rest.join(':').replace(/:$/, '');
      outcomes.set(String((row as Record<string, unknown>)[externalId]), {
        status: 'failed',
        failure: new DeliveryFailure(
          recordFailureKind(code, message),
          `bulk upserting: [${code}] ${message}`,
        ),
      });
    }
    for (const row of results.unprocessedRecords as Record<string, unknown>[])
      outcomes.set(String(row[externalId]), {
        status: 'failed',
        failure: new DeliveryFailure('unknown', 'bulk upserting: the job did not process it'),
      });
    return outcomes;
  }

  /**
   * One API call: refused before it is made while the org's API usage is above the profile's
   * share; after INVALID_SESSION_ID, made once more with a new token, never more.
   */
  private async call<T>(doing: string, work: (connection: Connection) => Promise<T>): Promise<T> {
    const usage = this.session.usage;
    if (usage && usage.limit > 0 && usage.used / usage.limit >= this.profile.maxApiUsage)
      throw new DeliveryFailure(
        'rate-limited',
        `${doing}: the org has used ${usage.used} of its ${usage.limit} daily API requests`,
      );
    let connection = await this.session.connection();
    try {
      return await work(connection);
    } catch (error) {
      if ((error as { errorCode?: string }).errorCode !== 'INVALID_SESSION_ID')
        throw callFailure(error, doing);
      connection = await this.session.renew(connection);
      try {
        return await work(connection);
      } catch (again) {
        throw callFailure(again, doing);
      }
    } finally {
      this.session.observe(connection);
    }
  }
}

/** Every path of a context an upsert reads: its mapped fields and the Account's customer id. */
export function upsertReads(profile: Pick<SalesforceProfile, 'fields' | 'account'>): string[] {
  const mapped = mappingPaths({
    ...profile.fields,
    ...(profile.account ? { account: { from: profile.account.from } } : {}),
  });
  return mapped.filter((path) => path !== 'panelUrl');
}

/** The fields of one context version's upsert: the mapped ones, the reference and the version. */
export function upsertRecord(
  profile: Pick<SalesforceProfile, 'fields' | 'externalId' | 'versionField' | 'account'>,
  request: LinkRequest,
): Record<string, unknown> {
  const source = mappingSource(request);
  const account = profile.account;
  const customer = account ? applyFieldMapping({ id: { from: account.from } }, source).id : null;
  return {
    ...applyFieldMapping(profile.fields, source),
    [profile.externalId]: request.contextReferenceId,
    [profile.versionField]: request.version,
    // A relationship by external id: Salesforce finds the Account itself.
    ...(account && customer !== null
      ? { [account.relationship]: { [account.externalId]: customer } }
      : {}),
  };
}

/** A record as a Bulk API CSV row: a relationship becomes `Account.Customer_Number__c`. */
function flattened(record: Record<string, unknown>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record))
    if (value !== null && typeof value === 'object')
      for (const [field, inner] of Object.entries(value)) row[`${key}.${field}`] = inner;
    else row[key] = value;
  return row;
}

function outcomeOf(result: UpsertResult | undefined): LinkOutcome {
  if (result?.success && result.id) return { status: 'written', recordIds: [result.id] };
  const error = result?.errors?.[0];
  const code = error?.statusCode ?? error?.errorCode ?? 'UNKNOWN_EXCEPTION';
  const fields = error?.fields?.length ? ` (${error.fields.join(', ')})` : '';
  return {
    status: 'failed',
    failure: new DeliveryFailure(
      recordFailureKind(code, error?.message),
      `upserting: [${code}] ${error?.message ?? 'no result for the record'}${fields}`,
    ),
  };
}
