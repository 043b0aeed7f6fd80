import { join } from 'node:path';
import { contextFields, DeliveryFailure, type LinkRequest } from '@ctxb/connector-sdk';
import { placementRecord, type ContextRecord } from '@ctxb/context';
import { order12345Events, order12345Records } from '@ctxb/simulation';
import {
  amountsRead,
  batchLinkWrites,
  columnTypesRead,
  linkWrites,
  moduleReads,
  quoteName,
  stageWrites,
} from './link-statements';
import { loadOdbcProfile, type OdbcProfile } from './odbc-profile';

function shipped(name: string): OdbcProfile {
  const read = loadOdbcProfile(
    join(__dirname, '..', '..', '..', 'config', 'connectors', `${name}.yaml`),
    {},
  );
  if ('problems' in read) throw new Error(JSON.stringify(read.problems));
  return read.profile;
}

const sampleErp = () => shipped('sample-erp');

function story(): ContextRecord {
  return order12345Records().at(-1)!;
}

const request = (record: ContextRecord): LinkRequest => ({
  contextReferenceId: record.contextReferenceId,
  version: record.version,
  record,
});

describe('ODBC link statements', () => {
  const profile = sampleErp();
  const record = story();

  it('updates the order header by its number, never over a newer version', () => {
    const [write] = linkWrites(profile.modules.om!, 'double', request(record));
    expect(write.document).toBe('12345');
    expect(write.update.sql).toBe(
      'UPDATE "sales_order" SET "context_reference_id" = ?, "context_version" = ?, ' +
        '"first_touch_channel" = ?, "last_touch_channel" = ?, "primary_campaign" = ?, ' +
        '"touchpoints" = ?, "sessions" = ?, "days_to_convert" = ? ' +
        'WHERE "order_no" = ? AND ("context_version" IS NULL OR "context_version" <= ?)',
    );
    expect(write.update.params).toEqual([
      record.contextReferenceId,
      record.version,
      record.journey.firstTouch!.channel,
      record.journey.lastTouch!.channel,
      record.journey.firstTouch!.campaign,
      record.journey.touchpoints.length,
      5,
      `${record.journey.daysToConvert}.00`,
      '12345',
      record.version,
    ]);
    expect(write.probe).toEqual({
      sql: 'SELECT "context_version" AS held FROM "sales_order" WHERE "order_no" = ?',
      params: ['12345'],
    });
  });

  it('sets only the reference columns of version 0, under the same guard', () => {
    const placed = placementRecord(order12345Events().find((e) => e.type === 'order.placed')!)!;
    const [write] = linkWrites(profile.modules.om!, 'double', request(placed));
    expect(write.update).toEqual({
      sql:
        'UPDATE "sales_order" SET "context_reference_id" = ?, "context_version" = ? ' +
        'WHERE "order_no" = ? AND ("context_version" IS NULL OR "context_version" <= ?)',
      params: [record.contextReferenceId, 0, '12345', 0],
    });
  });

  it('writes one statement per invoice and per journal the context names', () => {
    const twice = {
      ...record,
      correlations: { ...record.correlations, invoices: ['INV-1', 'INV-2'], journals: [] },
    };
    expect(
      linkWrites(profile.modules.ar!, 'double', request(twice)).map((w) => w.document),
    ).toEqual(['INV-1', 'INV-2']);
    expect(linkWrites(profile.modules.gl!, 'double', request(twice))).toEqual([]);
    const [journal] = linkWrites(profile.modules.gl!, 'double', request(record));
    expect(journal.probe.params).toEqual([record.correlations.journals[0], '12345']);
  });

  it('quotes names for the database, ERPNext spaces and schemas included', () => {
    expect(quoteName('tabSales Order', 'backtick')).toBe('`tabSales Order`');
    expect(quoteName('erp.sales_order', 'double')).toBe('"erp"."sales_order"');
    const [write] = linkWrites(
      { ...profile.modules.om!, table: 'tabSales Order' },
      'backtick',
      request(record),
    );
    expect(write.update.sql).toMatch(/^UPDATE `tabSales Order` SET `context_reference_id` = \?/);
  });

  it('refuses a key without a value: a permanent mapping failure', () => {
    const module = { ...profile.modules.om!, key: { order_no: { from: 'order.customerNo' } } };
    expect(() => linkWrites(module, 'double', request(record))).toThrow(DeliveryFailure);
    try {
      linkWrites(module, 'double', request(record));
    } catch (error) {
      expect((error as DeliveryFailure).kind).toBe('mapping');
    }
  });

  it('stages a row into an interface table, its key and version among the values', () => {
    const ebs = shipped('ebs');
    const [write] = stageWrites(ebs.modules.om!, 'double', request(record));
    expect(write.document).toBe('12345');
    expect(write.probe).toEqual({
      sql:
        'SELECT MAX("CHANGE_SEQUENCE") AS held FROM "ebs"."OE_HEADERS_IFACE_ALL" ' +
        'WHERE "ORDER_SOURCE_ID" = ? AND "ORIG_SYS_DOCUMENT_REF" = ?',
      params: [1001, '12345'],
    });
    expect(write.insert.sql).toMatch(
      /^INSERT INTO "ebs"\."OE_HEADERS_IFACE_ALL" \("ORDER_SOURCE_ID", "ORIG_SYS_DOCUMENT_REF", "CHANGE_SEQUENCE", .*\) VALUES \((\?, )+\?\)$/,
    );
    expect(write.insert.params.slice(0, 5)).toEqual([
      1001,
      '12345',
      String(record.version).padStart(10, '0'),
      'UPDATE',
      'CONTEXT_BRIDGE',
    ]);
    expect(write.insert.params).toContain(record.contextReferenceId);
    expect((write.insert.sql.match(/\?/g) ?? []).length).toBe(write.insert.params.length);
  });

  it('stages one journal row per revenue journal of the order', () => {
    const ebs = shipped('ebs');
    const writes = stageWrites(ebs.modules.gl!, 'double', request(record));
    expect(writes.map((w) => w.document)).toEqual(record.correlations.journals);
  });

  it('refuses stage mode without a version column: it could not tell what is staged', () => {
    const { versionColumn: _v, ...module } = {
      ...shipped('ebs').modules.om!,
      mode: 'stage' as const,
    };
    void _v;
    expect(() => stageWrites(module, 'double', request(record))).toThrow(DeliveryFailure);
  });

  it('reads back the money of a batch in one statement, by the same keys, summed per currency', () => {
    const other = { ...record, order: { ...record.order, orderId: '12346' } };
    const read = amountsRead(profile.modules.om!, 'double', [
      request(record),
      request(other),
      request({ ...record, version: record.version + 1 }),
    ]);
    expect(read).toEqual({
      // Per request its documents; the key found twice in the batch is read once.
      documents: [
        [{ document: '12345', key: ['12345'] }],
        [{ document: '12346', key: ['12346'] }],
        [{ document: '12345', key: ['12345'] }],
      ],
      select: {
        sql:
          'SELECT "order_no" AS k0, "currency" AS currency, SUM("total_amount") AS amount, ' +
          'COUNT(*) AS records FROM "sales_order" WHERE "order_no" IN (?, ?) ' +
          'GROUP BY "order_no", "currency" ORDER BY "order_no", "currency"',
        params: ['12345', '12346'],
      },
    });
  });

  it('finds documents of a composite key each by all its columns', () => {
    const [first] = record.correlations.journals;
    const second = 'JE-12345-2';
    const posted = {
      ...record,
      correlations: { ...record.correlations, journals: [first, second] },
    };
    const read = amountsRead(profile.modules.gl!, 'double', [request(posted)])!;
    expect(read.documents[0].map((d) => d.document)).toEqual([first, second]);
    expect(read.select).toEqual({
      sql:
        'SELECT "journal_id" AS k0, "order_no" AS k1, "currency" AS currency, ' +
        'SUM("credit" - "debit") AS amount, COUNT(*) AS records FROM "gl_journal_line" ' +
        'WHERE (("journal_id" = ? AND "order_no" = ?) OR ("journal_id" = ? AND "order_no" = ?)) ' +
        `AND "account" LIKE ? ESCAPE '!' ` +
        'GROUP BY "journal_id", "order_no", "currency" ORDER BY "journal_id", "order_no", "currency"',
      params: [first, '12345', second, '12345', '4%'],
    });
  });

  it('matches a prefix as written and takes values only as parameters', () => {
    const erpnext = shipped('erpnext');
    const gl = {
      ...erpnext.modules.gl!,
      amounts: {
        amount: { credit: 'credit', debit: 'debit' },
        where: [
          { column: 'account', prefix: '50%_off!' },
          { column: 'company', values: ["O'Hara", 7] },
        ],
      },
    };
    const read = amountsRead(gl, 'backtick', [request(record)])!;
    expect(read.select.sql).toBe(
      "SELECT `voucher_no` AS k0, '' AS currency, SUM(`credit` - `debit`) AS amount, " +
        "COUNT(*) AS records FROM `tabGL Entry` WHERE `voucher_no` IN (?) AND `account` LIKE ? ESCAPE '!' " +
        'AND `company` IN (?, ?) GROUP BY `voucher_no` ORDER BY `voucher_no`',
    );
    expect(read.select.params).toEqual([
      ...record.correlations.journals,
      '50!%!_off!!%',
      "O'Hara",
      7,
    ]);
  });

  it('reads nothing where the module names no amounts or the batch links no document', () => {
    expect(amountsRead(shipped('ebs').modules.om!, 'double', [request(record)])).toBeUndefined();
    const uninvoiced = { ...record, correlations: { ...record.correlations, invoices: [] } };
    expect(amountsRead(profile.modules.ar!, 'double', [request(uninvoiced)])).toBeUndefined();
  });
});

describe('ODBC link statements from the fields a link job carries', () => {
  const profiles = ['sample-erp', 'odoo', 'erpnext', 'ebs'].map(shipped);
  const record = story();

  it('reads what names the records, and what the key and columns map', () => {
    expect(moduleReads(sampleErp().modules.om!)).toEqual([
      'order.orderId',
      'contextReferenceId',
      'version',
      'journey.firstTouch.channel',
      'journey.lastTouch.channel',
      'journey.firstTouch.campaign',
      'journey.touchpoints.length',
      'sessions.count',
      'journey.daysToConvert',
    ]);
    expect(moduleReads(sampleErp().modules.ar!)[0]).toBe('correlations.invoices');
    expect(moduleReads(sampleErp().modules.gl!)[0]).toBe('correlations.journals');
  });

  it('gives every shipped module the statements the whole record gives, in a tenth of its size', () => {
    for (const profile of profiles)
      for (const module of Object.values(profile.modules)) {
        const fields = contextFields(record, moduleReads(module));
        const fromFields: LinkRequest = { ...request(record), record: fields };
        const writes = module.mode === 'stage' ? stageWrites : linkWrites;
        expect(writes(module, profile.quoting, fromFields)).toEqual(
          writes(module, profile.quoting, request(record)),
        );
        expect(amountsRead(module, profile.quoting, [fromFields])).toEqual(
          amountsRead(module, profile.quoting, [request(record)]),
        );
        expect(JSON.stringify(fields).length).toBeLessThan(JSON.stringify(record).length / 10);
      }
  });
});

describe('ODBC batch link statements (PostgreSQL)', () => {
  const om = sampleErp().modules.om!;
  const types = new Map([
    ['order_no', 'character varying'],
    ['context_reference_id', 'character varying'],
    ['context_version', 'integer'],
    ['first_touch_channel', 'character varying'],
    ['last_touch_channel', 'character varying'],
    ['primary_campaign', 'character varying'],
    ['touchpoints', 'integer'],
    ['sessions', 'integer'],
    ['days_to_convert', 'numeric'],
  ]);
  const of = (orderId: string, version: number): LinkRequest => {
    const record = { ...story(), version, order: { ...story().order, orderId } };
    return { contextReferenceId: record.contextReferenceId, version, record };
  };

  it('reads the column types of a table by its quoted name, as a parameter', () => {
    expect(columnTypesRead('odoo.sale_order')).toEqual({
      sql: expect.stringContaining('attrelid = CAST(? AS regclass)') as string,
      params: ['"odoo"."sale_order"'],
    });
  });

  it('updates every order of a batch in one statement, each value cast to its column type', () => {
    const plan = batchLinkWrites(om, [of('A', 3), of('B', 3)], types)!;
    expect(plan.statements).toHaveLength(1);
    const [{ statement, rows }] = plan.statements;
    expect(rows).toBe(2);
    expect(statement.sql).toContain('CAST(e.ctxb_value ->> 1 AS integer) AS c1');
    expect(statement.sql).toContain(
      'UPDATE "sales_order" AS t SET "context_reference_id" = v.c0, "context_version" = v.c1,',
    );
    expect(statement.sql).toContain(
      'FROM v WHERE t."order_no" = ANY (ARRAY(SELECT v.c8 FROM v)) AND t."order_no" = v.c8 ' +
        'AND (t."context_version" IS NULL OR t."context_version" <= v.c1)',
    );
    // Values travel in one parameter, never in the text.
    expect(statement.sql).not.toContain('"A"');
    const values = JSON.parse(String(statement.params[0])) as unknown[][];
    expect(values.map((row) => [row[1], row[8]])).toEqual([
      [3, 'A'],
      [3, 'B'],
    ]);
    expect(plan.requests).toEqual([
      [{ document: 'A', statement: 0, row: 0, superseded: false }],
      [{ document: 'B', statement: 0, row: 1, superseded: false }],
    ]);
  });

  it('writes an order named twice once, at its highest version; version 0 apart', () => {
    const plan = batchLinkWrites(om, [of('A', 2), of('A', 5), of('B', 0), of('A', 0)], types)!;
    expect(plan.statements.map((s) => s.rows)).toEqual([1, 1]);
    expect(plan.statements[1].statement.sql).toContain(
      'SET "context_reference_id" = v.c0, "context_version" = v.c1 FROM v',
    );
    expect(plan.requests).toEqual([
      [{ document: 'A', statement: 0, row: 0, superseded: true }],
      [{ document: 'A', statement: 0, row: 0, superseded: false }],
      [{ document: 'B', statement: 1, row: 0, superseded: false }],
      [{ document: 'A', statement: 0, row: 0, superseded: true }],
    ]);
  });

  it("answers a request's own mapping failure, and leaves a batch with an unknown type to record by record", () => {
    const bad = {
      ...om,
      columns: {
        ...om.columns,
        days_to_convert: { from: 'order.orderId', transform: [{ decimal: 2 }] },
      },
    };
    const plan = batchLinkWrites(bad, [of('A', 1), of('B', 1)], types)!;
    expect(plan.requests[0]).toBeInstanceOf(DeliveryFailure);
    expect(plan.statements).toEqual([]);
    const partly = new Map(types);
    partly.delete('sessions');
    expect(batchLinkWrites(om, [of('A', 1), of('B', 1)], partly)).toBeUndefined();
    expect(
      batchLinkWrites(
        om,
        [of('A', 1), of('B', 1)],
        new Map([...types, ['sessions', 'integer; DROP']]),
      ),
    ).toBeUndefined();
  });
});
