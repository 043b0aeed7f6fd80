import 'reflect-metadata';
import {
  getMetadataStorage,
  MAX_LENGTH,
  ValidationTypes,
  type ValidationArguments,
} from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { isPlainObject, nestedClassOf } from './dto-instance';

/**
 * A yes/no answer to "would validateSync find nothing wrong with the DTO instance of this
 * data?" (see dtoInstance) — computed from the same decorators, without validateSync's
 * per-call error objects, metadata scans and instance copies. It runs first for every event;
 * only data it does not accept goes through validateSync, which then reports the problems.
 *
 * It may answer false where class-validator would accept (it then costs one validateSync
 * call, and the result is still right); it must never answer true where class-validator would
 * report anything. A property test compares the two on generated data for every event type.
 */
export type DataAcceptance = (data: object) => boolean;

const acceptances = new WeakMap<object, DataAcceptance>();

export function dataAcceptance(dataClass: new () => object): DataAcceptance {
  let acceptance = acceptances.get(dataClass);
  if (!acceptance) acceptances.set(dataClass, (acceptance = compile(dataClass)));
  return acceptance;
}

const NEVER: DataAcceptance = () => false;
const UNSET = Object.freeze({});

type PropertyCheck = (object: Record<string, unknown>) => boolean;

function compile(dataClass: new () => object): DataAcceptance {
  const storage = getMetadataStorage();
  const rules = storage.getTargetValidationMetadatas(dataClass, '', true, false);
  // class-validator rejects an object whose class has no rules at all ("unknown value").
  if (rules.length === 0) return NEVER;
  const checks: PropertyCheck[] = [];
  for (const [property, propertyRules] of Object.entries(storage.groupByPropertyName(rules))) {
    const check = propertyCheck(dataClass, property, propertyRules);
    if (!check) return NEVER;
    checks.push(check);
  }
  return (data) => {
    for (const check of checks) if (!check(data as Record<string, unknown>)) return false;
    return true;
  };
}

const HANDLED: ReadonlySet<string> = new Set([
  ValidationTypes.CONDITIONAL_VALIDATION,
  ValidationTypes.IS_DEFINED,
  ValidationTypes.CUSTOM_VALIDATION,
  ValidationTypes.NESTED_VALIDATION,
]);

/** The order of ValidationExecutor.performValidations: conditions, then constraints, then nesting. */
function propertyCheck(
  dataClass: new () => object,
  property: string,
  rules: ValidationMetadata[],
): PropertyCheck | undefined {
  if (rules.some((rule) => !HANDLED.has(rule.type))) return undefined;
  const conditions = rules
    .filter((rule) => rule.type === ValidationTypes.CONDITIONAL_VALIDATION)
    .map((rule) => rule.constraints[0] as (object: object, value: unknown) => boolean);
  const constraints: ((value: unknown, object: object) => boolean)[] = [];
  for (const rule of rules) {
    if (rule.type !== ValidationTypes.IS_DEFINED && rule.type !== ValidationTypes.CUSTOM_VALIDATION)
      continue;
    const check = constraintCheck(dataClass, rule);
    if (!check) return undefined;
    constraints.push(check);
  }
  const nested = rules.some((rule) => rule.type === ValidationTypes.NESTED_VALIDATION)
    ? nestedCheck(dataClass, property)
    : undefined;

  return (object) => {
    const value = object[property];
    for (const condition of conditions) if (!condition(object, value)) return true;
    for (const constraint of constraints) if (!constraint(value, object)) return false;
    return nested === undefined || value === undefined || nested(value);
  };
}

function constraintCheck(
  dataClass: new () => object,
  rule: ValidationMetadata,
): ((value: unknown, object: object) => boolean) | undefined {
  const validators = getMetadataStorage().getTargetValidatorConstraints(rule.constraintCls);
  if (validators.some((validator) => validator.async)) return undefined;
  const instances = validators.map((validator) => validator.instance);
  const surely = surePass(rule);
  // One arguments object per rule, filled in per call: the checks are synchronous and keep
  // nothing of it.
  const args: ValidationArguments = {
    targetName: dataClass.name,
    property: rule.propertyName,
    object: UNSET,
    value: undefined,
    constraints: rule.constraints,
  };
  const passes = (value: unknown, object: object): boolean => {
    if (surely?.(value)) return true;
    args.object = object;
    args.value = value;
    try {
      // `=== true`: a promise or any other truthy answer is left to class-validator.
      for (const instance of instances) if (instance.validate(value, args) !== true) return false;
      return true;
    } finally {
      // Nothing of this event stays referenced once it is checked.
      args.object = UNSET;
      args.value = undefined;
    }
  };
  return (value, object) => {
    if (rule.validateIf && !rule.validateIf(object, value)) return true;
    if (!rule.each || !Array.isArray(value)) {
      // Sets and Maps never come out of JSON; class-validator would iterate them.
      return !(value instanceof Set || value instanceof Map) && passes(value, object);
    }
    for (const item of value) if (!passes(item, object)) return false;
    return true;
  };
}

/**
 * A cheap test that, where it says yes, class-validator's own check says yes too (it runs for
 * nearly every field of every event). `maxLength` counts with validator.js's isLength, where a
 * surrogate pair or a variation selector adds less than its UTF-16 length: a string no longer
 * than the bound in UTF-16 units always passes. Longer ones are asked of the check itself.
 */
function surePass(rule: ValidationMetadata): ((value: unknown) => boolean) | undefined {
  if (rule.name === MAX_LENGTH && typeof rule.constraints[0] === 'number') {
    const max = rule.constraints[0];
    return (value) => typeof value === 'string' && value.length <= max;
  }
  return undefined;
}

/**
 * @ValidateNested: dtoInstance makes each plain object (or each in an array) an instance of the
 * @Type class, and class-validator checks it against that class's rules; anything else there
 * fails. Nesting without @Type is left to class-validator.
 */
function nestedCheck(dataClass: new () => object, property: string): (value: unknown) => boolean {
  const type = nestedClassOf(dataClass, property);
  if (!type) return () => false;
  let accepts: DataAcceptance | undefined;
  // The walk of ValidationExecutor.nestedValidations: arrays element by element (nested arrays
  // too), undefined elements skipped, objects by the @Type class's rules, anything else fails.
  const check = (value: unknown): boolean => {
    if (value === undefined) return true;
    if (Array.isArray(value)) return value.every(check);
    if (!isPlainObject(value)) return false;
    accepts ??= dataAcceptance(type);
    return accepts(value);
  };
  return check;
}
