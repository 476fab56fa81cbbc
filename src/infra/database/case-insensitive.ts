import { raw } from '@mikro-orm/core';

/**
 * `lower(column) = lower(value)` as a MikroORM condition: it matches the
 * `lower(...)` unique indexes on usernames and emails, where `ILIKE` would
 * read every row of the organization.
 */
export function sameIgnoringCase(column: string, value: string): Record<string, string> {
  return { [raw(`lower(${column})`)]: value.toLowerCase() };
}
