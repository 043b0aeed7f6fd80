import type { ErpAmount, LinkRequest } from '@ctxb/connector-sdk';
import { crmAmountFields } from './crm-amounts';
import { callFailure } from './salesforce-failure';
import { SalesforceLinkTarget, upsertRecord } from './salesforce-link-target';
import type { SalesforceProfile } from './salesforce-profile';
import type { SalesforceSession } from './salesforce-session';

/** What `ctxb connectors test` found for a Salesforce profile. */
export interface SalesforceCheck {
  /** Signed in, with the org's instance, or why not. */
  signIn: { ok: true; instanceUrl: string } | { ok: false; reason: string };
  /** What the object's describe says about the fields the profile sets. */
  problems: string[];
  /** The upsert the example makes: where it goes and the record sent. */
  upsert: { method: 'PATCH'; path: string; record: Record<string, unknown> };
  /**
   * With `amounts` and nothing wrong with the fields: what the org holds for the example's
   * reference (none when no record carries it), or why it could not be read.
   */
  amounts?: { ok: true; read: ErpAmount[] } | { ok: false; reason: string };
}

interface DescribedField {
  name: string;
  /** For a lookup such as AccountId: the name its related record goes by (Account). */
  relationshipName?: string | null;
  externalId?: boolean;
  createable?: boolean;
  updateable?: boolean;
}

/**
 * Signs in, describes the profile's object and checks that every field set exists and can be
 * written, that the external id field is one and that the fields the amounts are read from
 * exist; shows the upsert `example` makes and reads what the org holds for it. Nothing is
 * written.
 */
export async function checkSalesforceProfile(
  profile: SalesforceProfile,
  session: SalesforceSession,
  example: LinkRequest,
): Promise<SalesforceCheck> {
  const upsert = {
    method: 'PATCH' as const,
    path: `/services/data/v${profile.apiVersion}/composite/sobjects/${profile.object}/${profile.externalId}`,
    record: upsertRecord(profile, example),
  };
  let instanceUrl: string;
  let fields: DescribedField[];
  try {
    const connection = await session.connection();
    instanceUrl = connection.instanceUrl;
    try {
      fields = (await connection.sobject(profile.object).describe()).fields;
    } catch (error) {
      return {
        signIn: { ok: true, instanceUrl },
        problems: [callFailure(error, `describing ${profile.object}`).message],
        upsert,
      };
    }
  } catch (error) {
    return {
      signIn: { ok: false, reason: callFailure(error, 'signing in').message },
      problems: [],
      upsert,
    };
  }
  const byName = new Map(fields.map((f) => [f.name.toLowerCase(), f]));
  const byRelationship = new Map(
    fields.filter((f) => f.relationshipName).map((f) => [f.relationshipName!.toLowerCase(), f]),
  );
  const problems: string[] = [];
  for (const [name, value] of Object.entries(upsert.record)) {
    // A relationship by external id (Account: { Customer_Number__c }) sets its lookup field.
    const field =
      value !== null && typeof value === 'object'
        ? byRelationship.get(name.toLowerCase())
        : byName.get(name.toLowerCase());
    if (!field)
      problems.push(
        value !== null && typeof value === 'object'
          ? `${profile.object} has no relationship ${name} (a lookup field whose relationship name it is)`
          : `${profile.object} has no field ${name}`,
      );
    else if (field.createable === false && field.updateable === false)
      problems.push(`${name} cannot be written by this user`);
  }
  // The fields the money is read from (see CrmAmountsProfile).
  const amounts = profile.amounts;
  for (const name of amounts ? crmAmountFields(amounts) : [])
    if (!byName.has(name.toLowerCase()))
      problems.push(`${profile.object} has no field ${name} (amounts)`);
  const external = byName.get(profile.externalId.toLowerCase());
  if (external && !external.externalId)
    problems.push(
      `${profile.externalId} is not an external id field (mark it External ID and unique)`,
    );
  if (!amounts || problems.length > 0)
    return { signIn: { ok: true, instanceUrl }, problems, upsert };
  try {
    const held = await new SalesforceLinkTarget(profile, session).amountsOf([
      example.contextReferenceId,
    ]);
    const read = held.get(example.contextReferenceId) ?? [];
    return { signIn: { ok: true, instanceUrl }, problems, upsert, amounts: { ok: true, read } };
  } catch (error) {
    const reason = callFailure(error, 'reading amounts').message;
    return { signIn: { ok: true, instanceUrl }, problems, upsert, amounts: { ok: false, reason } };
  }
}
