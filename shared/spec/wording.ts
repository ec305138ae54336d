import type { z } from 'zod';
import { quoted } from '../util/printable.ts';

/*
 * brokerlink's wording for what the schema library would otherwise say in its own ("Invalid input: expected array,
 * received object"). Passed per parse, so a message a schema field declares itself still wins. Each message says
 * what the value must be and what it is, in the words of the YAML the operator wrote: a mapping, a list.
 */

const EXPECTED: Readonly<Record<string, string>> = {
  object: 'a mapping (key: value)',
  record: 'a mapping (key: value)',
  map: 'a mapping (key: value)',
  array: 'a list',
  tuple: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  null: 'empty (null)',
};

/** What a value is, in the words of YAML, for "got …". */
export function describeValue(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the string ${quoted(value, 40)}`;
  if (typeof value === 'number') return `the number ${String(value)}`;
  if (typeof value === 'boolean') return `the value ${String(value)}`;
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

/** "a list", "a mapping (key: value)", … for a schema type name. */
export function describeExpected(expected: string): string {
  return EXPECTED[expected] ?? expected;
}

export const specWording: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      if (issue.input === undefined) return `is required: ${expected}`;
      return `must be ${expected}, got ${describeValue(issue.input)}`;
    }
    case 'too_small': {
      const inclusive = issue.inclusive !== false;
      if (issue.origin === 'string') {
        return Number(issue.minimum) <= 1 ? 'must not be empty' : `must be at least ${issue.minimum} characters`;
      }
      if (issue.origin === 'array') {
        return `must list at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`;
      }
      return `must be ${inclusive ? 'at least' : 'more than'} ${issue.minimum}, got ${describeValue(issue.input)}`;
    }
    case 'too_big': {
      const inclusive = issue.inclusive !== false;
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
      if (issue.origin === 'array') return `must list at most ${issue.maximum} items`;
      return `must be ${inclusive ? 'at most' : 'less than'} ${issue.maximum}, got ${describeValue(issue.input)}`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}, got ${describeValue(issue.input)}`;
    case 'invalid_format':
      return `has the wrong form (${issue.format})`;
    case 'invalid_union':
      return `does not match any of the accepted forms, got ${describeValue(issue.input)}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    default:
      return undefined; // unrecognized_keys and invalid_key are worded by the validator
  }
};
