import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

describe('ctxb connectors validate', () => {
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
    const file = join(mkdtempSync(join(tmpdir(), 'ctxb-profile-')), 'erp.yaml');
    writeFileSync(
      file,
      [
        'connector: odbc',
        'connection: { connectionString: "Pwd=${CTXB_TEST_UNSET_PASSWORD}" }',
        'modules:',
        '  gl: { table: gl_interface, mode: stage, each: journal,',
        '        columns: { attribute1: { from: contextReferenceId, transform: [{ truncate: -1 }] } } }',
      ].join('\n'),
    );
    const run = ctxb('connectors', 'validate', file);
    expect(run.status).toBe(78);
    expect(run.stderr.split('\n')).toEqual([
      'connector profile is invalid (2 problems):',
      `  - ${file}: connection.connectionString: environment variables not set: CTXB_TEST_UNSET_PASSWORD`,
      `  - ${file}: modules.gl.columns.attribute1.transform[0].truncate: must be a whole number of characters, at least 1`,
      '',
    ]);
  });

  it('names where it looked for a profile that is not there', () => {
    const run = ctxb('connectors', 'validate', 'no-such-erp');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('no connector profile "no-such-erp"');
    expect(run.stderr).toContain(join('config', 'connectors', 'no-such-erp.yaml'));
  });
});
