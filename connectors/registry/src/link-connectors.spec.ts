import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationException } from '@ctxb/config';
import { loadLinkConnectors } from './link-connectors';

const PROFILES = join(__dirname, '..', '..', '..', 'config', 'connectors');
const SAMPLE = join(PROFILES, 'sample-erp.yaml');
const limits = { concurrency: 8, maxPerSecond: 0 };

describe('loadLinkConnectors', () => {
  it("reads each profile and takes its targets from the profile's modules", () => {
    const [connector] = loadLinkConnectors({ connectors: [{ profile: SAMPLE, ...limits }] }, {});
    expect(connector).toMatchObject({ name: 'sample-erp', kind: 'odbc', file: SAMPLE });
    expect(connector.targets).toEqual(['om', 'ar', 'gl']);
    expect(connector.limits).toEqual(limits);
  });

  it('stops start-up naming the file and key of every problem', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ctxb-links-')), 'broken-erp.yaml');
    writeFileSync(file, 'connector: odbc\nconnection: { dsn: x }\nmodules: { om: { table: t } }\n');
    let thrown: unknown;
    try {
      loadLinkConnectors({ connectors: [{ profile: file, ...limits }] }, {});
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationException);
    const problems = (thrown as ConfigurationException).problems;
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) expect(p.source).toBe(file);
    expect(problems.map((p) => p.key)).toContain('modules.om.each');
  });

  it('reads a Salesforce profile as a connector with the crm target', () => {
    const key = join(mkdtempSync(join(tmpdir(), 'ctxb-links-')), 'key.pem');
    writeFileSync(key, 'a key');
    const [connector] = loadLinkConnectors(
      { connectors: [{ profile: join(PROFILES, 'salesforce.yaml'), ...limits }] },
      { SALESFORCE_CLIENT_ID: 'a', SALESFORCE_USERNAME: 'u', SALESFORCE_PRIVATE_KEY_FILE: key },
    );
    expect(connector).toMatchObject({ name: 'salesforce', kind: 'salesforce', targets: ['crm'] });
  });

  it('names a profile whose connector kind is unknown', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ctxb-links-')), 'sap.yaml');
    writeFileSync(file, 'connector: rfc\n');
    expect(() => loadLinkConnectors({ connectors: [{ profile: file, ...limits }] }, {})).toThrow(
      'connector must be one of odbc, salesforce',
    );
  });

  it('refuses the same connector named twice', () => {
    expect(() =>
      loadLinkConnectors(
        {
          connectors: [
            { profile: SAMPLE, ...limits },
            { profile: SAMPLE, ...limits },
          ],
        },
        {},
      ),
    ).toThrow('links.connectors[1].profile = ');
  });
});
