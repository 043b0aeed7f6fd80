import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSalesforceProfile } from './salesforce-profile';

const ROOT = join(__dirname, '..');
const DEFAULT = join(ROOT, 'force-app', 'main', 'default');
const fieldsOf = (object: string) => join(DEFAULT, 'objects', object, 'fields');
const FIELDS = fieldsOf('Opportunity');

/** The text of one element of a metadata XML file (single-valued elements only). */
const element = (xml: string, name: string) =>
  new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

describe('Salesforce metadata (force-app) against the shipped profile', () => {
  const key = join(mkdtempSync(join(tmpdir(), 'ctxb-sf-')), 'key.pem');
  writeFileSync(key, 'key');
  const read = loadSalesforceProfile(
    join(ROOT, '..', '..', 'config', 'connectors', 'salesforce.yaml'),
    {
      SALESFORCE_CLIENT_ID: 'a',
      SALESFORCE_USERNAME: 'u',
      SALESFORCE_PRIVATE_KEY_FILE: key,
    },
  );
  if ('problems' in read) throw new Error(JSON.stringify(read.problems));
  const { profile } = read;
  const custom = readdirSync(FIELDS).map((f) => f.replace('.field-meta.xml', ''));
  const accountFields = readdirSync(fieldsOf('Account')).map((f) =>
    f.replace('.field-meta.xml', ''),
  );
  const isSummary = (object: string, name: string) =>
    element(readFileSync(join(fieldsOf(object), `${name}.field-meta.xml`), 'utf8'), 'type') ===
    'Summary';
  const written = [...Object.keys(profile.fields), profile.externalId, profile.versionField];

  it('defines every custom field the profile writes', () => {
    const needed = written.filter((f) => f.endsWith('__c'));
    expect(needed.filter((f) => !custom.includes(f))).toEqual([]);
    for (const name of custom) {
      const xml = readFileSync(join(FIELDS, `${name}.field-meta.xml`), 'utf8');
      expect(element(xml, 'fullName')).toBe(name);
      expect(element(xml, 'label')).toBeTruthy();
      expect(element(xml, 'description')).toBeTruthy();
    }
  });

  it('makes the reference a unique external id, long enough for ctx_ and 26 characters', () => {
    const xml = readFileSync(join(FIELDS, `${profile.externalId}.field-meta.xml`), 'utf8');
    expect(element(xml, 'externalId')).toBe('true');
    expect(element(xml, 'unique')).toBe('true');
    expect(Number(element(xml, 'length'))).toBeGreaterThanOrEqual(30);
  });

  it('relates Opportunities to Accounts by an external id, and rolls them up on the Account', () => {
    expect(profile.account).toEqual({
      relationship: 'Account',
      externalId: 'Customer_Number__c',
      from: 'order.customerId',
    });
    const xml = readFileSync(
      join(fieldsOf('Account'), 'Customer_Number__c.field-meta.xml'),
      'utf8',
    );
    expect(element(xml, 'externalId')).toBe('true');
    const rollups = accountFields.filter((f) => isSummary('Account', f));
    expect(rollups.sort()).toEqual([
      'Context_Attributed_Revenue__c',
      'Context_Linked_Orders__c',
      'Last_Context_Order_Date__c',
    ]);
    for (const name of rollups) {
      const summary = readFileSync(join(fieldsOf('Account'), `${name}.field-meta.xml`), 'utf8');
      expect(element(summary, 'summaryForeignKey')).toBe('Opportunity.AccountId');
      // Only the Opportunities the connector linked count.
      expect(element(summary, 'field')).toBe(`Opportunity.${profile.externalId}`);
      const summed = element(summary, 'summarizedField');
      if (summed) expect(summed).toMatch(/^Opportunity\.(Amount|CloseDate)$/);
    }
  });

  it('lets the integration user write every field and viewers read them', () => {
    for (const [set, editable] of [
      ['Context_Bridge_Integration', 'true'],
      ['Context_Bridge_Viewer', 'false'],
    ]) {
      const xml = readFileSync(
        join(DEFAULT, 'permissionsets', `${set}.permissionset-meta.xml`),
        'utf8',
      );
      const granted = [...xml.matchAll(/<fieldPermissions>([\s\S]*?)<\/fieldPermissions>/g)].map(
        (m) => ({
          field: element(m[1], 'field'),
          editable: element(m[1], 'editable'),
          readable: element(m[1], 'readable'),
        }),
      );
      expect(granted.map((g) => g.field).sort()).toEqual(
        [
          ...custom.map((f) => `Opportunity.${f}`),
          ...accountFields.map((f) => `Account.${f}`),
        ].sort(),
      );
      for (const g of granted) {
        const [object, name] = g.field!.split('.');
        // A roll-up summary is computed by Salesforce: nobody writes it.
        const writable = editable === 'true' && !isSummary(object, name);
        expect(g).toMatchObject({ editable: String(writable), readable: 'true' });
      }
    }
  });

  it('has the record page component read only fields that exist', () => {
    const js = readFileSync(
      join(DEFAULT, 'lwc', 'contextJourneySummary', 'contextJourneySummary.js'),
      'utf8',
    );
    const used = [...js.matchAll(/@salesforce\/schema\/Opportunity\.(\w+)/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((f) => !custom.includes(f))).toEqual([]);
  });
});
