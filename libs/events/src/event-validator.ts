import 'reflect-metadata';
import { validateSync, type ValidationError } from 'class-validator';
import {
  CONTEXT_EXTENSIONS,
  CORE_ATTRIBUTES,
  envelopeProblems,
  EXTENSION_NAME,
  type CloudEvent,
  type EventProblem,
} from './cloud-event';
import { EVENT_CATALOGUE, type CatalogueEntry } from './event-catalogue';
import { dataAcceptance } from './validation/data-acceptance';
import { dtoInstance } from './validation/dto-instance';
import { memoizeValidationMetadata } from './validation/metadata-cache';

memoizeValidationMetadata();

/** The attributes the spec and this product name (most events hold only these). */
const NAMED_ATTRIBUTES: ReadonlySet<string> = new Set([...CORE_ATTRIBUTES, ...CONTEXT_EXTENSIONS]);

/** The first failed rule per field is enough to fix it; the rest is noise. */
const VALIDATION = { stopAtFirstError: true };

export type EventValidation =
  { ok: true; event: CloudEvent; entry: CatalogueEntry } | { ok: false; problems: EventProblem[] };

/**
 * Checks one CloudEvent against the catalogue: the envelope, the extension names, the type,
 * and the data of that type. Returns every problem with its path (`data.lines[0].unitPrice`);
 * the accepted event is the input object itself, unchanged, so nothing is lost or reshaped.
 */
export function validateEvent(input: unknown): EventValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, problems: [{ path: '', message: 'an event must be a JSON object' }] };
  }
  const raw = input as Record<string, unknown>;
  const problems = envelopeProblems(raw);

  for (const name of Object.keys(raw)) {
    if (NAMED_ATTRIBUTES.has(name) || EXTENSION_NAME.test(name)) continue;
    problems.push({
      path: name,
      message: 'extension attribute names must be 1-20 lower-case letters or digits',
    });
  }
  if (raw.data_base64 !== undefined) {
    problems.push({
      path: 'data_base64',
      message: 'binary data is not accepted; send JSON in data',
    });
  }

  const entry = typeof raw.type === 'string' ? EVENT_CATALOGUE.get(raw.type) : undefined;
  if (typeof raw.type === 'string' && !entry) {
    problems.push({ path: 'type', message: `unknown event type "${raw.type.slice(0, 100)}"` });
  }
  const data = raw.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    problems.push({ path: 'data', message: 'data must be a JSON object' });
  } else if (entry && !dataAcceptance(entry.data)(data)) {
    problems.push(...flatten(validateSync(dtoInstance(entry.data, data), VALIDATION), 'data'));
  }

  if (problems.length > 0 || !entry) return { ok: false, problems };
  return { ok: true, event: raw as CloudEvent, entry };
}

function flatten(errors: ValidationError[], parent: string): EventProblem[] {
  return errors.flatMap((error) => {
    const path = /^\d+$/.test(error.property)
      ? `${parent}[${error.property}]`
      : parent
        ? `${parent}.${error.property}`
        : error.property;
    if (error.constraints && error.value === undefined)
      return [{ path, message: `${error.property} is required` }];
    const own = Object.values(error.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...flatten(error.children ?? [], path)];
  });
}
