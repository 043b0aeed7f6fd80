import 'reflect-metadata';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { getMetadataStorage, ValidationTypes } from 'class-validator';

type DtoClass = new () => object;

/**
 * The DTO instance class-validator checks: a new instance of the class with the data's fields
 * copied on, and, where a property has @Type, each plain object in it (or in its array) made
 * an instance of that class the same way (arrays element by element, as class-transformer does). Values are otherwise kept as they are, so the rules
 * see exactly what was sent.
 *
 * This is the part of class-transformer's plainToInstance the catalogue needs, without its
 * failure modes on hostile input: it throws on a nested object with a `constructor` key, and
 * an own `__proto__` or `constructor` key would replace what class-validator looks the rules
 * up by. Neither key is a field of any event, so both are left out of the copy.
 */
export function dtoInstance(dtoClass: DtoClass, data: object): object {
  const instance = new dtoClass() as Record<string, unknown>;
  const nested = nestedClasses(dtoClass);
  for (const name of Object.keys(data)) {
    if (name === '__proto__' || name === 'constructor') continue;
    const value = (data as Record<string, unknown>)[name];
    const type = nested.get(name);
    instance[name] = type === undefined ? value : asNested(type, value);
  }
  return instance;
}

/** The @Type class of a property, if it has one. */
export function nestedClassOf(dtoClass: DtoClass, property: string): DtoClass | undefined {
  const type = defaultMetadataStorage.findTypeMetadata(dtoClass, property);
  if (!type || type.options?.discriminator) return undefined;
  return type.typeFunction() as DtoClass;
}

function asNested(type: DtoClass, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => asNested(type, item));
  return isPlainObject(value) ? dtoInstance(type, value) : value;
}

export function isPlainObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const nestedByClass = new WeakMap<DtoClass, Map<string, DtoClass>>();

/** Properties with @ValidateNested and @Type: the only ones where the instance type matters. */
function nestedClasses(dtoClass: DtoClass): Map<string, DtoClass> {
  let found = nestedByClass.get(dtoClass);
  if (!found) {
    found = new Map();
    for (const rule of getMetadataStorage().getTargetValidationMetadatas(
      dtoClass,
      '',
      true,
      false,
    )) {
      if (rule.type !== ValidationTypes.NESTED_VALIDATION) continue;
      const type = nestedClassOf(dtoClass, rule.propertyName);
      if (type) found.set(rule.propertyName, type);
    }
    nestedByClass.set(dtoClass, found);
  }
  return found;
}
