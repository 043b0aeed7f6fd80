import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect } from 'odbc';
import { SalesforceDouble } from '../support/salesforce-double';

const ROOT = join(__dirname, '..', '..');

/** A profile file of these YAML lines, in a folder of its own. */
function profile(lines: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ctxb-profile-')), 'erp.yaml');
  writeFileSync(file, lines.join('\n'));
  return file;
}

describe('ctxb connectors validate and test', () => {
  const ctxb = (...args: string[]) =>
    spawnSync('node', [join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js'), ...args], {
      encoding: 'utf8',
      cwd: ROOT,
      timeout: 60_000,
    });

  it('accepts the shipped sample-erp profile and says what it writes where', () => {
    const run = ctxb('connectors', 'validate', 'sample-erp');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('sample-erp (config/connectors/sample-erp.yaml): valid');
    expect(run.stdout).toContain('om: sales_order (link, one write per order, found by order_no)');
    expect(run.stdout).toContain('gl: gl_journal_line (link, one write per journal');
  });

  it('lists every problem with the file, the key and the reason, with exit code 78', () => {
    const file = profile([
      'connector: odbc',
      'connection: { connectionString: "Pwd=${CTXB_TEST_UNSET_PASSWORD}" }',
      'modules:',
      '  gl: { table: gl_interface, mode: stage, each: journal,',
      '        columns: { attribute1: { from: contextReferenceId, transform: [{ truncate: -1 }] } } }',
    ]);
    const run = ctxb('connectors', 'validate', file);
    expect(run.status).toBe(78);
    expect(run.stderr.split('\n')).toEqual([
      'connector profile is invalid (4 problems):',
      `  - ${file}: connection.connectionString: environment variables not set: CTXB_TEST_UNSET_PASSWORD`,
      `  - ${file}: modules.gl.columns.attribute1.transform[0].truncate: must be a whole number of characters, at least 1`,
      `  - ${file}: modules.gl.key: must map at least one field: <field>: { from: <path> } or { value: <constant> }`,
      `  - ${file}: modules.gl.versionColumn: stage mode needs one: it tells which versions are staged already`,
      '',
    ]);
  });

  it('names where it looked for a profile that is not there', () => {
    const run = ctxb('connectors', 'validate', 'no-such-erp');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('no connector profile "no-such-erp"');
    expect(run.stderr).toContain(join('config', 'connectors', 'no-such-erp.yaml'));
  });

  it.each(['odoo', 'erpnext', 'ebs'])(
    'tests the shipped %s profile against its tables in the local ERP databases',
    async (name) => {
      const staged = async () => {
        const db = await connect('DSN=ctxb_erp_postgres');
        try {
          const [row] = await db.query<{ n: number }>(
            'SELECT count(*) AS n FROM ebs."OE_HEADERS_IFACE_ALL"',
          );
          return Number(row.n);
        } finally {
          await db.close();
        }
      };
      const before = await staged();
      const run = ctxb('connectors', 'test', name);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      // EBS stages into interface tables: it reads no amounts back.
      const checked = name === 'ebs' ? 'insert accepted' : 'update accepted, amounts readable';
      for (const module of ['om', 'ar', 'gl'])
        expect(run.stdout).toMatch(
          new RegExp(`\\n  ${module}: .* ok \\(columns there, ${checked}\\)`),
        );
      // The staged example row was rolled back with its transaction.
      expect(await staged()).toBe(before);
    },
  );

  it('tests the sample-erp profile against the local sample ERP without changing it', async () => {
    const linked = async () => {
      const db = await connect('DSN=ctxb_erp_postgres');
      try {
        const rows = await db.query(
          'SELECT order_no, context_reference_id, context_version FROM sales_order ORDER BY order_no',
        );
        return rows.map((r) => ({ ...(r as object) }));
      } finally {
        await db.close();
      }
    };
    const before = await linked();
    const run = ctxb('connectors', 'test', 'sample-erp');
    expect(await linked()).toEqual(before);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(
      'om: sales_order ok (columns there, update accepted, amounts readable)',
    );
    // What the sample ERP's seed holds for the story order: the total, the invoice, revenue.
    expect(run.stdout).toContain('amounts held for the example: 12345 249.9 EUR');
    expect(run.stdout).toContain('amounts held for the example: INV-12345 249.9 EUR');
    expect(run.stdout).toContain('amounts held for the example: JE-12345 210 EUR');
    expect(run.stdout).toContain('ar: ar_invoice ok');
    expect(run.stdout).toContain('gl: gl_journal_line ok');
    expect(run.stdout).toContain(
      'UPDATE "ar_invoice" SET "context_reference_id" = ?, "context_version" = ?, "channel" = ?, "campaign" = ? WHERE "invoice_no" = ?',
    );
    expect(run.stdout).toMatch(
      /values: \["ctx_[a-z2-7]{26}",\d+,"paid-search",.*"INV-12345",\d+\]/,
    );
  });

  it('names a missing table, a missing column and the refused update, with exit code 1', () => {
    const file = profile([
      'connector: odbc',
      'connection: { dsn: ctxb_erp_postgres }',
      'modules:',
      '  om: { table: sales_order, each: order, key: { order_no: { from: order.orderId } },',
      '        columns: { context_reference_id: { from: contextReferenceId }, no_such_column: { from: version } } }',
      '  ar: { table: no_such_table, each: invoice, key: { invoice_no: { from: document } },',
      '        columns: { context_reference_id: { from: contextReferenceId } } }',
    ]);
    const run = ctxb('connectors', 'test', file);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('om: sales_order FAILED');
    expect(run.stdout).toContain('- missing columns: no_such_column');
    expect(run.stdout).toMatch(/- update refused: \[42703\].*no_such_column/);
    expect(run.stdout).toContain('ar: no_such_table FAILED');
    expect(run.stdout).toContain('- table no_such_table not found');
    expect(run.stdout).toMatch(/- update refused: \[42P01\]/);
  });

  it('names a missing amount column and the refused read', () => {
    const file = profile([
      'connector: odbc',
      'connection: { dsn: ctxb_erp_postgres }',
      'modules:',
      '  om: { table: sales_order, each: order, key: { order_no: { from: order.orderId } },',
      '        columns: { context_reference_id: { from: contextReferenceId } },',
      '        amounts: { amount: grand_total, currency: currency } }',
    ]);
    const run = ctxb('connectors', 'test', file);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('om: sales_order FAILED');
    expect(run.stdout).toContain('- missing columns: grand_total');
    expect(run.stdout).toMatch(/- amount read refused: \[42703\].*grand_total/);
  });
});

describe('ctxb connectors validate and test, Salesforce', () => {
  const CLIENT = { clientId: 'ctxb-cli', clientSecret: 'cli-secret' };
  const opportunity = [
    'Id',
    'Name',
    'StageName',
    'CloseDate',
    'Amount',
    'First_Touch_Channel__c',
    'Last_Touch_Channel__c',
    'Primary_Campaign__c',
    'Touchpoints__c',
    'Sessions__c',
    'Days_To_Convert__c',
    'Context_Version__c',
    'Context_Drill_Down_URL__c',
  ].map((name) => ({ name }));
  const double = new SalesforceDouble(CLIENT, {
    Opportunity: [
      ...opportunity,
      { name: 'Context_Reference_Id__c', externalId: true },
      { name: 'AccountId', relationshipName: 'Account' },
    ],
  });
  let loginUrl: string;
  beforeAll(async () => {
    loginUrl = await double.start();
  });
  afterAll(() => double.stop());

  /** The shipped profile signing in to the double with the client credentials flow. */
  const salesforceProfile = (
    secret = CLIENT.clientSecret,
    object = 'Opportunity',
    amount = 'Amount',
  ) => {
    const text = readFileSync(join(ROOT, 'config', 'connectors', 'salesforce.yaml'), 'utf8')
      .replace(
        /\nauth:\n( {2}.*\n)+/,
        `\nauth: { flow: client-credentials, loginUrl: '${loginUrl}', clientId: ${CLIENT.clientId}, clientSecret: ${secret} }\n`,
      )
      .replace('object: Opportunity', `object: ${object}`)
      .replace('  amount: Amount', `  amount: ${amount}`);
    const file = join(mkdtempSync(join(tmpdir(), 'ctxb-profile-')), 'crm.yaml');
    writeFileSync(file, text);
    return file;
  };
  // Not spawnSync: the double answers from this process while the command runs.
  const ctxb = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(
        'node',
        [join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js'), ...args],
        { cwd: ROOT, timeout: 60_000, encoding: 'utf8' },
      );
      return { status: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { status: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('validates the shipped profile and names its missing secrets', async () => {
    const valid = await ctxb('connectors', 'validate', salesforceProfile());
    expect(valid.status).toBe(0);
    expect(valid.stdout).toContain('crm: upserts Opportunity by Context_Reference_Id__c');
    expect(valid.stdout).toContain('; reads back Amount while StageName = Closed Won;');
    const shipped = await ctxb('connectors', 'validate', 'salesforce');
    expect(shipped.status).toBe(78);
    expect(shipped.stderr).toContain(
      'auth.clientId: environment variables not set: SALESFORCE_CLIENT_ID',
    );
  });

  it('signs in, checks the fields from the describe and shows the upsert, writing nothing', async () => {
    const run = await ctxb('connectors', 'test', salesforceProfile());
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`: signed in (${loginUrl}, client-credentials flow)`);
    expect(run.stdout).toContain(
      'crm: Opportunity ok (fields there and writable, Context_Reference_Id__c an external id, amount fields there)',
    );
    expect(run.stdout).toContain(
      'PATCH /services/data/v62.0/composite/sobjects/Opportunity/Context_Reference_Id__c',
    );
    expect(run.stdout).toMatch(/"Context_Reference_Id__c":"ctx_[a-z2-7]{26}"/);
    expect(run.stdout).toContain(
      'amounts held for the example: none (its records are not booked here)',
    );
    expect(double.calls.upsert).toBe(0);

    // Once the org holds the example's Opportunity, won, the test shows its amount.
    const reference = /"Context_Reference_Id__c":"(ctx_[a-z2-7]{26})"/.exec(run.stdout)![1];
    const id = double.insert('Opportunity', {
      Context_Reference_Id__c: reference,
      StageName: 'Closed Won',
      Amount: 249.9,
    });
    const booked = await ctxb('connectors', 'test', salesforceProfile());
    expect(booked.stdout).toContain(`amounts held for the example: ${id} 249.9`);
    expect(double.calls.upsert).toBe(0);
  });

  it('names an object or amount field the org lacks and a refused sign-in, with exit code 1', async () => {
    const missing = await ctxb('connectors', 'test', salesforceProfile(undefined, 'Order'));
    expect(missing.status).toBe(1);
    expect(missing.stdout).toContain("[NOT_FOUND] sObject type 'Order' is not supported.");
    const refused = await ctxb('connectors', 'test', salesforceProfile('wrong'));
    expect(refused.status).toBe(1);
    expect(refused.stdout).toContain('signing in: [invalid_client] invalid client credentials');
    const noAmount = await ctxb(
      'connectors',
      'test',
      salesforceProfile(undefined, undefined, 'Net_Amount__c'),
    );
    expect(noAmount.status).toBe(1);
    expect(noAmount.stdout).toContain('- Opportunity has no field Net_Amount__c (amounts)');
  });
});
