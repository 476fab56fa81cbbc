import { type Filter, parse } from 'scim2-parse-filter';
import { invalidFilter } from './scim-error';
import { SCHEMA } from './scim-schemas';

/** A compiled condition: SQL with `?` placeholders and their values, in order. */
export interface Sql {
  sql: string;
  params: unknown[];
}

type Comparison = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
type Value = boolean | null | number | string;

/**
 * How one filterable attribute becomes SQL. `text` compares ignoring case
 * (the expression must already be lower-cased, so an index on lower(...)
 * serves it); `exact` compares as is (externalId, RFC 7643 caseExact); `id`
 * is a uuid column; `boolean` and `dateTime` allow only what their type
 * allows; `custom` compiles the comparison itself.
 */
export type FilterAttribute =
  | { type: 'text' | 'exact' | 'dateTime' | 'id'; expression: string }
  | { type: 'boolean'; expression: string }
  | {
      type: 'custom';
      compile: (op: Comparison | 'pr', value: Value) => Sql;
    };

/** Filterable attributes by lower-case path ("username", "emails.value", "enterprise.department"). */
export type FilterAttributes = Record<string, FilterAttribute>;

/** Longest filter accepted; IdPs send a few dozen characters. */
const MAX_FILTER_LENGTH = 2000;
const MAX_DEPTH = 32;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COMPARISONS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
const SQL_OPERATOR: Record<'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le', string> = {
  eq: '=',
  ne: '<>',
  gt: '>',
  ge: '>=',
  lt: '<',
  le: '<=',
};

/**
 * Parses a SCIM filter (RFC 7644 §3.4.2.2) with scim2-parse-filter's grammar.
 * Entra ID sometimes sends `externalId eq abc` unquoted: when the grammar
 * refuses a filter, bare values after an operator are quoted and it is parsed
 * once more.
 */
export function parseFilter(filter: string): Filter {
  if (filter.length > MAX_FILTER_LENGTH) {
    throw invalidFilter(`The filter is longer than ${MAX_FILTER_LENGTH} characters.`);
  }
  try {
    return parse(filter);
  } catch (first) {
    const quoted = filter.replace(
      /(\s(?:eq|ne|co|sw|ew|gt|ge|lt|le)\s+)([^\s()[\]"]+)/gi,
      (match: string, operator: string, value: string) =>
        /^(?:true|false|null|-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)$/i.test(value)
          ? match
          : `${operator}"${value}"`,
    );
    if (quoted !== filter) {
      try {
        return parse(quoted);
      } catch {
        // fall through to the first error, which names the original text
      }
    }
    throw invalidFilter(`The filter is not valid: ${(first as Error).message}`);
  }
}

/** The lower-case attribute path, without the core schema's URN; the enterprise one becomes "enterprise.". */
export function attributeKey(path: string): string {
  const lower = path.toLowerCase();
  for (const core of [SCHEMA.user, SCHEMA.group]) {
    if (lower.startsWith(`${core.toLowerCase()}:`)) return lower.slice(core.length + 1);
  }
  const enterprise = SCHEMA.enterpriseUser.toLowerCase();
  if (lower.startsWith(`${enterprise}:`)) return `enterprise.${lower.slice(enterprise.length + 1)}`;
  return lower;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, '\\$&');
}

const LIKE: Record<'co' | 'sw' | 'ew', (value: string) => string> = {
  co: (value) => `%${value}%`,
  sw: (value) => `${value}%`,
  ew: (value) => `%${value}`,
};

function stringComparison(expression: string, op: Comparison, value: string): Sql {
  if (op === 'co' || op === 'sw' || op === 'ew') {
    return { sql: `${expression} like ? escape '\\'`, params: [LIKE[op](escapeLike(value))] };
  }
  return { sql: `${expression} ${SQL_OPERATOR[op]} ?`, params: [value] };
}

function asBoolean(value: Value, path: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value))
    return value.toLowerCase() === 'true';
  throw invalidFilter(`"${path}" is a boolean: compare it with true or false.`);
}

function compileComparison(
  attribute: FilterAttribute,
  path: string,
  op: Comparison | 'pr',
  value: Value,
): Sql {
  if (attribute.type === 'custom') return attribute.compile(op, value);
  const expression = attribute.expression;
  if (op === 'pr') {
    return attribute.type === 'text' || attribute.type === 'exact'
      ? { sql: `(${expression} is not null and ${expression} <> '')`, params: [] }
      : { sql: `${expression} is not null`, params: [] };
  }
  if (value === null) {
    if (op === 'eq') return { sql: `${expression} is null`, params: [] };
    if (op === 'ne') return { sql: `${expression} is not null`, params: [] };
    throw invalidFilter(`"${op}" cannot compare "${path}" with null.`);
  }
  switch (attribute.type) {
    case 'boolean': {
      if (op !== 'eq' && op !== 'ne') throw invalidFilter(`"${path}" is a boolean: use eq or ne.`);
      return { sql: `${expression} ${SQL_OPERATOR[op]} ?`, params: [asBoolean(value, path)] };
    }
    case 'dateTime': {
      if (op === 'co' || op === 'sw' || op === 'ew')
        throw invalidFilter(`"${path}" is a date: use eq, ne, gt, ge, lt or le.`);
      const date = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
      if (Number.isNaN(date.getTime()))
        throw invalidFilter(`"${String(value)}" is not a date and time.`);
      return {
        sql: `${expression} ${SQL_OPERATOR[op]} ?::timestamptz`,
        params: [date.toISOString()],
      };
    }
    case 'id': {
      const text = String(value).toLowerCase();
      if (op === 'eq')
        return UUID.test(text)
          ? { sql: `${expression} = ?`, params: [text] }
          : { sql: 'false', params: [] };
      if (op === 'ne')
        return UUID.test(text)
          ? { sql: `${expression} <> ?`, params: [text] }
          : { sql: 'true', params: [] };
      return stringComparison(`${expression}::text`, op, text);
    }
    case 'text':
      return stringComparison(expression, op, String(value).toLowerCase());
    case 'exact':
      return stringComparison(expression, op, String(value));
  }
}

/**
 * Compiles a parsed filter to SQL over `attributes`. Under a `not`, each
 * comparison is made null-safe (`coalesce(..., false)`), so `not (title eq
 * "x")` keeps the users who have no title; elsewhere a NULL already counts as
 * false in a WHERE, and the bare comparison keeps its index usable. An
 * attribute that is not in the map is 400 invalidFilter, never an unfiltered list.
 */
export function compileFilter(
  filter: Filter,
  attributes: FilterAttributes,
  prefix = '',
  depth = 0,
  negated = false,
): Sql {
  if (depth > MAX_DEPTH)
    throw invalidFilter(`The filter is nested deeper than ${MAX_DEPTH} levels.`);
  const op: string = filter.op;
  if (op === 'and' || op === 'or') {
    const parts = (filter as { filters: Filter[] }).filters.map((part) =>
      compileFilter(part, attributes, prefix, depth + 1, negated),
    );
    return {
      sql: `(${parts.map((part) => part.sql).join(` ${op} `)})`,
      params: parts.flatMap((part) => part.params),
    };
  }
  if (op === 'not') {
    const inner = compileFilter(
      (filter as { filter: Filter }).filter,
      attributes,
      prefix,
      depth + 1,
      true,
    );
    return { sql: `(not ${inner.sql})`, params: inner.params };
  }
  if (op === '[]') {
    const valuePath = filter as { attrPath: string; valFilter: Filter };
    return compileFilter(
      valuePath.valFilter,
      attributes,
      `${attributeKey(valuePath.attrPath)}.`,
      depth + 1,
      negated,
    );
  }
  const comparison = filter as { attrPath: string; compValue?: Value };
  const path = prefix + attributeKey(comparison.attrPath);
  const attribute = attributes[path];
  if (attribute === undefined) {
    throw invalidFilter(`Filtering on "${comparison.attrPath}" is not supported.`);
  }
  if (op !== 'pr' && !COMPARISONS.has(op)) throw invalidFilter(`Unknown operator "${op}".`);
  const compiled = compileComparison(
    attribute,
    comparison.attrPath,
    op as Comparison | 'pr',
    comparison.compValue ?? null,
  );
  return negated
    ? { sql: `coalesce(${compiled.sql}, false)`, params: compiled.params }
    : { sql: `(${compiled.sql})`, params: compiled.params };
}
