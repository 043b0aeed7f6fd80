import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

type MetadataStorage = ReturnType<typeof getMetadataStorage>;
type TargetLookup = MetadataStorage['getTargetValidationMetadatas'];

let installed = false;

/**
 * class-validator resolves a class's rules on every `validateSync` call by scanning every
 * registered class (typestack/class-validator#2686), and regroups them by property each time.
 * Both answers are fixed once a class is loaded (decorators run at class definition), so the
 * collector and the engine, which validate every event, memoize them per class and options.
 * Installed once, on the shared storage instance, before the first validation.
 */
export function memoizeValidationMetadata(storage: MetadataStorage = getMetadataStorage()): void {
  if (installed) return;
  installed = true;

  const lookup: TargetLookup = storage.getTargetValidationMetadatas.bind(storage);
  const byTarget = new WeakMap<object, Map<string, ValidationMetadata[]>>();
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${(groups ?? []).join('\u0001')}`;
    let perOptions = byTarget.get(target);
    if (!perOptions) byTarget.set(target, (perOptions = new Map<string, ValidationMetadata[]>()));
    let found = perOptions.get(key);
    if (!found) perOptions.set(key, (found = lookup(target, schema, always, strictGroups, groups)));
    return found;
  };

  const group = storage.groupByPropertyName.bind(storage);
  const grouped = new WeakMap<ValidationMetadata[], Record<string, ValidationMetadata[]>>();
  storage.groupByPropertyName = (metadata) => {
    let found = grouped.get(metadata);
    if (!found) grouped.set(metadata, (found = group(metadata)));
    return found;
  };
}
