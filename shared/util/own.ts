/*
 * Lookups by a name that came from outside (a zone, a tag, a placeholder): own properties only. `record[name]`
 * and `name in record` also see what every object inherits, so a zone named "constructor" or "toString" would
 * find a function instead of "no pattern for this zone".
 */

export function hasOwnKey(record: object, key: string): boolean {
  return Object.hasOwn(record, key);
}

export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
