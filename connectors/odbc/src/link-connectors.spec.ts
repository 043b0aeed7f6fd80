import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationException } from '@ctxb/config';
import { loadLinkConnectors } from './link-connectors';

const SAMPLE = join(__dirname, '..', '..', '..', 'config', 'connectors', 'sample-erp.yaml');
const limits = { concurrency: 8, maxPerSecond: 0 };

describe('loadLinkConnectors', () => {
  it("reads each profile and takes its targets from the profile's modules", () => {
    const [connector] = loadLinkConnectors({ connectors: [{ profile: SAMPLE, ...limits }] }, {});
    expect(connector.profile.name).toBe('sample-erp');
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
