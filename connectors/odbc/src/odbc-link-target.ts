import {
  DeliveryFailure,
  moneyText,
  sqlFailureKind,
  type ErpAmount,
  type LinkOutcome,
  type LinkRequest,
  type LinkTargetWriter,
} from '@ctxb/connector-sdk';
import type { Connection } from 'odbc';
import {
  amountsRead,
  batchLinkWrites,
  columnTypesRead,
  linkWrites,
  stageWrites,
  type BatchLink,
  type ColumnTypes,
  type RecordWrite,
  type StagedWrite,
} from './link-statements';
import { isAlive, type ConnectionState } from './odbc-connections';
import type { ErpModule, ModuleProfile, OdbcProfile } from './odbc-profile';
import {
  PreparedStatements,
  runnerOf,
  runStatement,
  type StatementRunner,
} from './prepared-statements';

/** Where the target takes its connections from (see OdbcConnections). */
export interface ConnectionSource {
  connect(): Promise<Connection>;
  /** Gives a connection back; a broken one is closed for good. */
  release(connection: Connection, broken: boolean): Promise<void>;
}

/**
 * One ERP module (order management, receivables or the general ledger). In link mode each
 * context version updates the ERP's own records, found by the profile's key columns; in stage
 * mode it inserts a row into the module's interface table, which the ERP imports (unless that
 * version or a newer one is staged already). A batch goes in one transaction; if the database
 * refuses it, each request is tried again in a transaction of its own, so one bad record never
 * holds back the others.
 */
export class OdbcLinkTarget implements LinkTargetWriter {
  constructor(
    readonly target: ErpModule,
    private readonly module: ModuleProfile,
    private readonly quoting: OdbcProfile['quoting'],
    private readonly connections: ConnectionSource,
    private readonly database: OdbcProfile['database'] = 'other',
  ) {}

  /** The module table's column types, once read (PostgreSQL: see batchPlan). */
  private columnTypes: Promise<ColumnTypes> | undefined;

  async write(batch: readonly LinkRequest[]): Promise<LinkOutcome[]> {
    if (batch.length === 0) return [];
    let connection: Connection;
    try {
      connection = await this.connections.connect();
    } catch (error) {
      return batch.map(() => ({ status: 'failed', failure: failureOf(error, 'connecting') }));
    }
    let outcomes: LinkOutcome[] = [];
    try {
      outcomes = await this.inTransaction(connection, batch).catch((error: unknown) => {
        const failure = failureOf(error, 'writing', connection);
        // A lost connection fails every request alike; a refusal may be one request's own.
        return batch.length === 1 || failure.kind === 'connection-lost'
          ? batch.map((): LinkOutcome => ({ status: 'failed', failure }))
          : this.oneByOne(connection, batch);
      });
      outcomes = await this.withAmounts(connection, batch, outcomes);
      return outcomes;
    } finally {
      await this.connections.release(
        connection,
        outcomes.some((o) => o.status === 'failed' && leavesConnectionInDoubt(o.failure)),
      );
    }
  }

  /** Each request in a transaction of its own, after the database refused them together. */
  private async oneByOne(
    connection: Connection,
    batch: readonly LinkRequest[],
  ): Promise<LinkOutcome[]> {
    const outcomes: LinkOutcome[] = [];
    for (const request of batch)
      outcomes.push(
        await this.inTransaction(connection, [request]).then(
          ([outcome]) => outcome,
          (error: unknown): LinkOutcome => ({
            status: 'failed',
            failure: failureOf(error, 'writing', connection),
          }),
        ),
      );
    return outcomes;
  }

  /** The batch's writes, committed together; throws (after rolling back) what the database refused. */
  private async inTransaction(
    connection: Connection,
    batch: readonly LinkRequest[],
  ): Promise<LinkOutcome[]> {
    await connection.beginTransaction();
    let prepared: PreparedStatements | undefined;
    try {
      const plan = await this.batchPlan(connection, batch);
      // Preparing pays once a statement runs again: a batch of one runs each statement once.
      prepared = !plan && batch.length > 1 ? new PreparedStatements(connection) : undefined;
      const statements = prepared ?? runnerOf(connection);
      const outcomes: LinkOutcome[] = [];
      if (plan) outcomes.push(...(await this.linkBatch(statements, plan)));
      else for (const request of batch) outcomes.push(await this.link(statements, request));
      await prepared?.close();
      await connection.commit();
      // A driver that finds the line gone may report a commit it never sent (psqlODBC does,
      // when the server's side closed after the last statement): the work is lost with the
      // server's session. Whether it took is not known, so it is tried again (a repeat of a
      // version writes the same values).
      if (!isAlive(connection))
        throw new DeliveryFailure(
          'connection-lost',
          'committing: the connection was lost at the commit; whether it took is not known',
        );
      return outcomes;
    } catch (error) {
      await prepared?.close();
      await connection.rollback().catch(() => undefined);
      this.columnTypes = undefined;
      throw error;
    }
  }

  private async link(statements: StatementRunner, request: LinkRequest): Promise<LinkOutcome> {
    let steps: { document: string; run: () => Promise<WriteResult> }[];
    try {
      steps =
        this.module.mode === 'stage'
          ? stageWrites(this.module, this.quoting, request).map((w) => ({
              document: w.document,
              run: () => this.stageOne(statements, w, request.version),
            }))
          : linkWrites(this.module, this.quoting, request).map((w) => ({
              document: w.document,
              run: () => this.updateOne(statements, w),
            }));
    } catch (error) {
      if (error instanceof DeliveryFailure) return { status: 'failed', failure: error };
      throw error;
    }
    if (steps.length === 0) return { status: 'none' };
    const written: string[] = [];
    const current: string[] = [];
    for (const step of steps) {
      const result = await step.run();
      if (result instanceof DeliveryFailure) return { status: 'failed', failure: result };
      (result === 'written' ? written : current).push(step.document);
    }
    return written.length > 0
      ? { status: 'written', recordIds: [...written, ...current] }
      : { status: 'current', recordIds: current };
  }

  /**
   * The batch's statements when it goes in one (link mode on PostgreSQL, more than one
   * request, every column of a usual type), else undefined. The table's column types are read
   * once, and again after a batch failed (the table may have changed: see inTransaction).
   */
  private async batchPlan(
    connection: Connection,
    batch: readonly LinkRequest[],
  ): Promise<BatchLink | undefined> {
    if (this.module.mode !== 'link' || this.database !== 'postgresql' || batch.length < 2)
      return undefined;
    this.columnTypes ??= runStatement<{ name: string; type: string }>(
      connection,
      columnTypesRead(this.module.table),
    ).then((rows) => new Map(rows.map((r) => [r.name, r.type])));
    return batchLinkWrites(this.module, batch, await this.columnTypes);
  }

  /**
   * Link mode on PostgreSQL: the whole batch in a statement per set of columns (see
   * batchLinkWrites), each record's outcome from the row that answers for it.
   */
  private async linkBatch(statements: StatementRunner, plan: BatchLink): Promise<LinkOutcome[]> {
    const answers: { written: number; found: number }[][] = [];
    for (const { statement, rows } of plan.statements) {
      const answer = await statements.run<Record<string, unknown>>(statement);
      if (answer.length !== rows)
        throw new Error(`a batch link of ${rows} records answered ${answer.length} rows`);
      // By position: row number, written, found.
      const [, written, found] = answer.columns.map((c) => c.name);
      answers.push(
        answer.map((row) => ({ written: Number(row[written]), found: Number(row[found]) })),
      );
    }
    return plan.requests.map((records): LinkOutcome => {
      if (records instanceof DeliveryFailure) return { status: 'failed', failure: records };
      if (records.length === 0) return { status: 'none' };
      const written: string[] = [];
      const current: string[] = [];
      for (const { document, statement, row, superseded } of records) {
        const answer = answers[statement][row];
        if (answer.found === 0)
          return {
            status: 'failed',
            failure: new DeliveryFailure(
              'not-there-yet',
              `${this.target}: no ${this.module.table} record for ${document} yet`,
            ),
          };
        (answer.written === 1 && !superseded ? written : current).push(document);
      }
      return written.length > 0
        ? { status: 'written', recordIds: [...written, ...current] }
        : { status: 'current', recordIds: current };
    });
  }

  /**
   * The outcomes with the money the ERP holds in the records they linked, read by the same
   * keys, for the whole batch at once (only link-mode profiles name amounts: an interface
   * table holds what was staged, not the ERP's figures). Read once the links are committed, so
   * that ERP users see a link a statement sooner. If the read fails, the linked requests fail
   * with it and are tried again: the retry writes the same values again and reads the money.
   */
  private async withAmounts(
    connection: Connection,
    batch: readonly LinkRequest[],
    outcomes: LinkOutcome[],
  ): Promise<LinkOutcome[]> {
    const linked = (o: LinkOutcome): o is Extract<LinkOutcome, { recordIds: string[] }> =>
      o.status === 'written' || o.status === 'current';
    if (!this.module.amounts || !outcomes.some(linked)) return outcomes;
    try {
      // One read for the whole batch: not worth preparing.
      const amounts = await readAmounts(
        runnerOf(connection),
        this.module,
        this.quoting,
        batch.filter((_, i) => linked(outcomes[i])),
      );
      let next = 0;
      return outcomes.map((o) => (linked(o) ? { ...o, amounts: amounts[next++] } : o));
    } catch (error) {
      const failure = failureOf(error, 'reading amounts', connection);
      return outcomes.map((o) => (linked(o) ? { status: 'failed', failure } : o));
    }
  }

  /**
   * The money the ERP holds in the records a context version links into, read by the same
   * key (the CLI's `connectors amounts`; a delivery reads it right after its commit).
   */
  async amounts(request: LinkRequest): Promise<ErpAmount[]> {
    const connection = await this.connections.connect();
    let broken = false;
    try {
      const [amounts] = await readAmounts(runnerOf(connection), this.module, this.quoting, [
        request,
      ]);
      return amounts;
    } catch (error) {
      const failure = failureOf(error, 'reading amounts', connection);
      broken = leavesConnectionInDoubt(failure);
      throw failure;
    } finally {
      await this.connections.release(connection, broken);
    }
  }

  /**
   * Link mode: the UPDATE, and when it changed nothing, whether the record is there at all.
   * A record the probe finds may have come in after the UPDATE began (its insert committed in
   * between: each statement sees what was committed when it started), so the UPDATE goes once
   * more before the record counts as current: a newer version held, or these values already.
   */
  private async updateOne(statements: StatementRunner, write: RecordWrite): Promise<WriteResult> {
    const updated = await statements.run<never>(write.update);
    if (updated.count > 0) return 'written';
    const held = await statements.run<{ held: number | string | null }>(write.probe);
    if (held.length > 0)
      return (await statements.run<never>(write.update)).count > 0 ? 'written' : 'current';
    return new DeliveryFailure(
      'not-there-yet',
      `${this.target}: no ${this.module.table} record for ${write.document} yet`,
    );
  }

  /** Stage mode: the INSERT, unless this version or a newer one is staged already. */
  private async stageOne(
    statements: StatementRunner,
    write: StagedWrite,
    version: number,
  ): Promise<WriteResult> {
    const [{ held }] = await statements.run<{ held: number | string | null }>(write.probe);
    if (held !== null && Number(held) >= version) return 'current';
    await statements.run(write.insert);
    return 'written';
  }
}

/**
 * Reads the money the ERP holds in the records each request of a batch links into, in one
 * statement (see amountsRead): per request, one figure per document and currency, or 0 with
 * no rows for a document that holds none.
 */
export async function readAmounts(
  statements: StatementRunner,
  module: ModuleProfile,
  quoting: OdbcProfile['quoting'],
  requests: readonly LinkRequest[],
): Promise<ErpAmount[][]> {
  const read = amountsRead(module, quoting, requests);
  if (!read) return requests.map(() => []);
  const rows = await statements.run<Record<string, unknown>>(read.select);
  // By position: a database may fold the names of the key columns (k0 … kn) to upper case.
  const names = rows.columns.map((c) => c.name);
  const keyCount = names.length - 3;
  const [currency, amount, records] = names.slice(keyCount);
  const scale = rows.columns[keyCount + 1]?.decimalDigits;
  const figures = new Map<string, Omit<ErpAmount, 'document'>[]>();
  for (const row of rows) {
    const money = moneyText(row[amount], scale);
    if (Number(row[records]) === 0 || money === null) continue;
    const key = keyText(names.slice(0, keyCount).map((name) => row[name]));
    figures.set(key, [
      ...(figures.get(key) ?? []),
      { currency: textOf(row[currency]), amount: money, rows: Number(row[records]) },
    ]);
  }
  // A document with no row that counts (its lines cancelled, say) reads as 0 with no rows,
  // which replaces what was read of it before.
  return read.documents.map((documents) =>
    documents.flatMap(({ document, key }) =>
      (figures.get(keyText(key)) ?? [{ currency: '', amount: '0', rows: 0 }]).map((figure) => ({
        document,
        ...figure,
      })),
    ),
  );
}

/** A text column's value, trimmed (CHAR columns come back padded); '' for NULL. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  return typeof value === 'number' || typeof value === 'bigint' ? value.toString() : '';
}

/** Key values as one text, the same whether they came from the context or from the database. */
function keyText(values: readonly unknown[]): string {
  // CHAR columns come back padded with blanks.
  return values.map((v) => String(v).trimEnd()).join('\u0000');
}

/** What one ERP record's write came to. */
type WriteResult = 'written' | 'current' | DeliveryFailure;

/**
 * Whether a failure leaves the connection in a state nobody can vouch for, so the pool closes
 * it rather than hand it out again: lost, or failed in a way the database did not explain.
 */
function leavesConnectionInDoubt(failure: DeliveryFailure): boolean {
  return failure.kind === 'connection-lost' || failure.kind === 'unknown';
}

/**
 * A database error as a delivery failure, by its SQLSTATE and native code. Drivers do not
 * always say that the line is gone: the first statement on a connection whose server went
 * away may fail with a general state (HY000) or with no diagnostics at all. Given the
 * connection, such a failure is asked after it: if the driver now holds the connection dead
 * (SQL_ATTR_CONNECTION_DEAD), the failure is a lost connection.
 */
export function failureOf(
  error: unknown,
  doing: string,
  connection?: Connection | ConnectionState,
): DeliveryFailure {
  if (error instanceof DeliveryFailure) return error;
  const odbc = (error as { odbcErrors?: { state: string; code: number; message: string }[] })
    .odbcErrors?.[0];
  const message = odbc?.message ?? (error instanceof Error ? error.message : String(error));
  let kind = sqlFailureKind(odbc?.state, odbc?.code);
  if (kind === 'unknown' && connection && !isAlive(connection)) kind = 'connection-lost';
  return new DeliveryFailure(kind, `${doing}: ${odbc ? `[${odbc.state}] ` : ''}${message}`, {
    cause: error,
  });
}
