import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyFieldMapping } from '@ctxb/connector-sdk';
import { parse } from 'yaml';
import {
  loadOdbcProfile,
  readOdbcProfile,
  reconnectedProfile,
  type ProfileProblem,
} from './odbc-profile';

const PROFILES = join(__dirname, '..', '..', '..', 'config', 'connectors');

const order = {
  table: 'sales_order',
  each: 'order',
  key: { order_no: { from: 'order.orderId' } },
  columns: { context_reference_id: { from: 'contextReferenceId' } },
};

function problemsOf(input: unknown, env: NodeJS.ProcessEnv = {}): ProfileProblem[] {
  const read = readOdbcProfile(input, 'erp.yaml', env);
  return 'problems' in read ? read.problems : [];
}

describe('ODBC connector profiles', () => {
  const odbcProfiles = readdirSync(PROFILES).filter(
    (f) =>
      f.endsWith('.yaml') && /^connector: odbc$/m.test(readFileSync(join(PROFILES, f), 'utf8')),
  );

  it('ships the four ERP profiles', () => {
    expect(odbcProfiles.sort()).toEqual([
      'ebs.yaml',
      'erpnext.yaml',
      'odoo.yaml',
      'sample-erp.yaml',
    ]);
  });

  it.each(odbcProfiles)('ships %s valid', (file) => {
    const read = loadOdbcProfile(join(PROFILES, file), {});
    expect('problems' in read ? read.problems : []).toEqual([]);
  });

  it('maps the story order into the sample ERP order header', () => {
    const read = loadOdbcProfile(join(PROFILES, 'sample-erp.yaml'), {});
    if ('problems' in read) throw new Error('invalid');
    const om = read.profile.modules.om!;
    expect(read.profile).toMatchObject({
      name: 'sample-erp',
      connection: { dsn: 'ctxb_erp_postgres' },
    });
    const row = applyFieldMapping(om.columns, {
      contextReferenceId: 'ctx_x',
      version: 3,
      journey: {
        firstTouch: { channel: 'paid-search', campaign: 'spring-sale' },
        lastTouch: { channel: 'email', campaign: null },
        touchpoints: [{}, {}, {}, {}, {}],
        daysToConvert: 3,
      },
      sessions: { count: 5 },
    });
    expect(row).toEqual({
      context_reference_id: 'ctx_x',
      context_version: 3,
      first_touch_channel: 'paid-search',
      last_touch_channel: 'email',
      primary_campaign: 'spring-sale',
      touchpoints: 5,
      sessions: 5,
      days_to_convert: '3.00',
    });
    expect(applyFieldMapping(om.key, { order: { orderId: '12345' } })).toEqual({
      order_no: '12345',
    });
  });

  it('takes ${NAME} in the connection from the environment, and names what is missing', () => {
    const input = {
      connector: 'odbc',
      connection: {
        connectionString: 'Driver={PostgreSQL Unicode};Uid=${ERP_USER};Pwd=${ERP_PASSWORD}',
      },
      modules: { om: order },
    };
    const read = readOdbcProfile(input, 'erp.yaml', { ERP_USER: 'ctxb', ERP_PASSWORD: 's3cret' });
    expect('profile' in read && read.profile.connection).toEqual({
      connectionString: 'Driver={PostgreSQL Unicode};Uid=ctxb;Pwd=s3cret',
    });
    expect(problemsOf(input, { ERP_USER: 'ctxb' })).toEqual([
      {
        file: 'erp.yaml',
        key: 'connection.connectionString',
        message: 'environment variables not set: ERP_PASSWORD',
      },
    ]);
  });

  it('reports every problem with its file and key', () => {
    const found = problemsOf({
      connector: 'jdbc',
      connection: { dsn: 'a', connectionString: 'b', poolSize: 0, database: 'oracle' },
      modules: {
        om: { ...order, mode: 'upsert', each: 'line', table: 'sales"order' },
        ar: { ...order, columns: { order_no: { from: 'x' }, 'bad`name': { from: 'y' } } },
        crm: {},
      },
      extra: true,
    });
    expect(found.every((p) => p.file === 'erp.yaml')).toBe(true);
    expect(found.map((p) => p.key)).toEqual([
      'extra',
      'connector',
      'connection',
      'connection.poolSize',
      'connection.database',
      'modules.crm',
      'modules.om.table',
      'modules.om.mode',
      'modules.om.each',
      'modules.ar.columns.bad`name',
    ]);
  });

  it('wants a key, a version column in stage mode, and no key column among the set ones', () => {
    const base = { connector: 'odbc', connection: { dsn: 'erp' } };
    const { key: _key, ...keyless } = order;
    void _key;
    expect(problemsOf({ ...base, modules: { om: keyless } }).map((p) => p.key)).toEqual([
      'modules.om.key',
    ]);
    expect(
      problemsOf({ ...base, modules: { om: { ...order, mode: 'stage' } } }).map((p) => p.key),
    ).toEqual(['modules.om.versionColumn']);
    const staged = {
      ...order,
      mode: 'stage',
      columns: { ...order.columns, context_version: { from: 'version' } },
      versionColumn: 'context_version',
    };
    expect(problemsOf({ ...base, modules: { om: staged } })).toEqual([]);
    const overlapping = { ...order, columns: { ...order.columns, order_no: { from: 'x' } } };
    expect(problemsOf({ ...base, modules: { om: overlapping } }).map((p) => p.key)).toEqual([
      'modules.om.columns.order_no',
    ]);
  });

  it('takes the reference at placement only where the module can keep it apart from the journey', () => {
    const base = { connector: 'odbc', connection: { dsn: 'erp' } };
    const versioned = {
      ...order,
      columns: { ...order.columns, context_version: { from: 'version' } },
      versionColumn: 'context_version',
    };
    const read = readOdbcProfile(
      { ...base, modules: { om: { ...versioned, linkOnPlacement: true } } },
      'erp.yaml',
      {},
    );
    expect('profile' in read && read.profile.modules.om?.linkOnPlacement).toBe(true);
    const keysOf = (om: object) =>
      problemsOf({ ...base, modules: { om } }).map((p) => `${p.key}: ${p.message}`);
    expect(keysOf({ ...versioned, linkOnPlacement: 'yes' })).toEqual([
      'modules.om.linkOnPlacement: must be true or false',
    ]);
    expect(keysOf({ ...order, linkOnPlacement: true })).toEqual([
      'modules.om.linkOnPlacement: needs a versionColumn set from version: the assembled versions must win over version 0',
    ]);
    expect(keysOf({ ...versioned, each: 'invoice', linkOnPlacement: true })).toEqual([
      'modules.om.linkOnPlacement: only a link-mode module written once per order (each: order) takes the reference at placement',
    ]);
    const { context_reference_id: _ref, ...unreferenced } = versioned.columns;
    void _ref;
    expect(keysOf({ ...versioned, columns: unreferenced, linkOnPlacement: true })).toEqual([
      'modules.om.linkOnPlacement: needs a column set from contextReferenceId',
    ]);
  });

  it('reads ERPNext table names with spaces and schema-qualified ones', () => {
    const base = { connector: 'odbc', connection: { dsn: 'erp' } };
    for (const table of ['tabSales Order', 'erp.sales_order'])
      expect(problemsOf({ ...base, modules: { om: { ...order, table } } })).toEqual([]);
    for (const table of ['a.b.c', ' padded', '', 'tab\u0001x', "o'hara"])
      expect(problemsOf({ ...base, modules: { om: { ...order, table } } })).toHaveLength(1);
  });

  it('reports a file that is not YAML with its name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctxb-profile-'));
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'connector: odbc\n  modules: [\n');
    const read = loadOdbcProfile(file, {});
    expect('problems' in read && read.problems[0].file).toBe(file);
  });

  it('reads where a module keeps its money: one column, or credit less debit with conditions', () => {
    const base = { connector: 'odbc', connection: { dsn: 'erp' } };
    const read = readOdbcProfile(
      {
        ...base,
        modules: {
          om: { ...order, amounts: { amount: 'total_amount', currency: 'currency' } },
          gl: {
            ...order,
            each: 'journal',
            amounts: {
              credit: 'credit',
              debit: 'debit',
              where: { account: { prefix: '4' }, is_cancelled: 0, company: ['A', 'B'] },
            },
          },
        },
      },
      'erp.yaml',
      {},
    );
    if ('problems' in read) throw new Error(JSON.stringify(read.problems));
    expect(read.profile.modules.om!.amounts).toEqual({
      amount: { column: 'total_amount' },
      currency: 'currency',
      where: [],
    });
    expect(read.profile.modules.gl!.amounts).toEqual({
      amount: { credit: 'credit', debit: 'debit' },
      where: [
        { column: 'account', prefix: '4' },
        { column: 'is_cancelled', values: [0] },
        { column: 'company', values: ['A', 'B'] },
      ],
    });
  });

  it('names each wrong key of an amounts section', () => {
    const base = { connector: 'odbc', connection: { dsn: 'erp' } };
    const om = (amounts: unknown, extra = {}) =>
      problemsOf({ ...base, modules: { om: { ...order, ...extra, amounts } } });
    expect(om({ amount: 'a', credit: 'c', debit: 'd' }).map((p) => p.key)).toEqual([
      'modules.om.amounts',
    ]);
    expect(om({ credit: 'c' }).map((p) => p.key)).toEqual(['modules.om.amounts']);
    expect(om({ amount: 'a"b', total: 1 }).map((p) => p.key)).toEqual([
      'modules.om.amounts.total',
      'modules.om.amounts.amount',
    ]);
    expect(om({ amount: 'a', where: { account: [], 'x`y': 1, kind: { prefix: '' } } })).toEqual([
      expect.objectContaining({ key: 'modules.om.amounts.where.account' }),
      expect.objectContaining({ key: 'modules.om.amounts.where.x`y' }),
      expect.objectContaining({ key: 'modules.om.amounts.where.kind' }),
    ]);
    const staged = {
      mode: 'stage',
      columns: { ...order.columns, v: { from: 'version' } },
      versionColumn: 'v',
    };
    expect(om({ amount: 'a' }, staged)).toEqual([
      expect.objectContaining({
        key: 'modules.om.amounts',
        message: expect.stringContaining('stage mode') as string,
      }),
    ]);
  });

  it('points a shipped profile at another database, keeping the rest and its comments', () => {
    const shipped = readFileSync(join(PROFILES, 'erpnext.yaml'), 'utf8');
    const text = reconnectedProfile(shipped, 'Driver={MariaDB Unicode};Database=x;Pwd=a"b');
    expect(text).toContain('# ERPNext v15 on MariaDB');
    const read = readOdbcProfile(parse(text), 'erpnext.yaml', {});
    if ('problems' in read) throw new Error(JSON.stringify(read.problems));
    expect(read.profile.connection).toEqual({
      connectionString: 'Driver={MariaDB Unicode};Database=x;Pwd=a"b',
    });
    const original = loadOdbcProfile(join(PROFILES, 'erpnext.yaml'), {});
    if ('problems' in original) throw new Error('invalid');
    expect(read.profile.modules).toEqual(original.profile.modules);
    expect(read.profile.quoting).toBe('backtick');
    expect(read.profile.database).toBe('mariadb');
  });

  it('says which shipped profiles run on PostgreSQL; an unnamed database takes standard SQL', () => {
    const database = (name: string) => {
      const read = loadOdbcProfile(join(PROFILES, `${name}.yaml`), {});
      if ('problems' in read) throw new Error(JSON.stringify(read.problems));
      return read.profile.database;
    };
    expect(['sample-erp', 'odoo', 'erpnext', 'ebs'].map(database)).toEqual([
      'postgresql',
      'postgresql',
      'mariadb',
      'other',
    ]);
  });
});
