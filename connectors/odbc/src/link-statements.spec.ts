import { join } from 'node:path';
import { DeliveryFailure, type LinkRequest } from '@ctxb/connector-sdk';
import { ContextEngine, type ContextRecord } from '@ctxb/context';
import { order12345Events } from '@ctxb/simulation';
import { linkWrites, quoteName } from './link-statements';
import { loadOdbcProfile, type OdbcProfile } from './odbc-profile';

function sampleErp(): OdbcProfile {
  const read = loadOdbcProfile(
    join(__dirname, '..', '..', '..', 'config', 'connectors', 'sample-erp.yaml'),
    {},
  );
  if ('problems' in read) throw new Error(JSON.stringify(read.problems));
  return read.profile;
}

function story(): ContextRecord {
  const engine = new ContextEngine();
  const records = order12345Events().flatMap((e) => engine.ingest(e).records);
  const all = [...records, ...engine.drain()];
  return all[all.length - 1];
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
});
