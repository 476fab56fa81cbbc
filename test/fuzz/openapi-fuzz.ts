import fc from 'fast-check';

/**
 * Request generation from Warden's served OpenAPI document: for every
 * operation, requests whose path, query and body are drawn from the declared
 * schema (valid values, boundaries) mixed with what a hostile or careless
 * client sends (wrong types, extra fields, huge strings, deep nesting, unicode
 * edge cases, prototype keys, SQL and filter metacharacters, ids that are not
 * uuids). fast-check is the generator; sending and judging is fuzz-harness.ts.
 */

export interface JsonSchema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  nullable?: boolean;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  allOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  readOnly?: boolean;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, JsonSchema> };
}

interface OperationObject {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema?: JsonSchema }> };
  security?: unknown[];
}

export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** The templated path, `/api/v1/users/{id}`. */
  path: string;
  parameters: Parameter[];
  /** The JSON body schema, when the operation takes one. */
  body: JsonSchema | undefined;
  /** Media types the operation declares for its body. */
  mediaTypes: string[];
}

export interface FuzzRequest {
  operation: Operation;
  method: Operation['method'];
  /** Path and query string, ready to send. */
  url: string;
  contentType: string | undefined;
  /** The raw body text (often JSON, sometimes not). */
  body: string | undefined;
}

/** Ids and keys of things that exist, so valid requests reach real rows and not only 404s. */
export type Pools = Record<string, readonly string[]>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const content = operation.requestBody?.content ?? {};
      operations.push({
        method,
        path,
        parameters: operation.parameters ?? [],
        body:
          content['application/json']?.schema ??
          content['application/x-www-form-urlencoded']?.schema,
        mediaTypes: Object.keys(content),
      });
    }
  }
  return operations;
}

// --- hostile values -------------------------------------------------------

/** Strings that have broken parsers, filters and databases somewhere. */
const NASTY_STRINGS = [
  '',
  ' ',
  "' OR '1'='1",
  "'; drop table users; --",
  '" OR ""="',
  '%',
  '_',
  '%_%',
  '\\',
  '\\\\%',
  '*',
  '*)(uid=*))(|(uid=*',
  'userName eq "x" or 1 eq 1',
  '$where',
  '{"$gt": ""}',
  '${jndi:ldap://127.0.0.1/a}',
  '{{7*7}}',
  '../../../etc/passwd',
  '..%2f..%2f',
  '<script>alert(1)</script>',
  'javascript:alert(1)',
  '\u0000',
  'nul\u0000byte',
  '\uD800',
  '\uDFFF\uD800',
  '\u202Eevil\u202C',
  '\u200B\u200D\uFEFF',
  'e\u0301\u0301\u0301',
  'ﬃ İ ß ǅ',
  '🧑‍💻👩🏽‍🚀',
  'Ω≈ç√∫',
  '\r\nSet-Cookie: x=1',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  'null',
  'true',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '5F0C6F0E-6F51-4F7A-9D39-0C1B8F1F2A3B',
  '2026-02-30T25:61:61Z',
  '9999-12-31T23:59:59.999Z',
  '-271821-04-20T00:00:00.000Z',
  '__proto__',
  'constructor',
  'prototype',
];

/** URLs the generator may put in URL fields: only loopback, private literals and garbage, never a host that would be looked up or reached off this machine. */
const SAFE_URLS = [
  'https://127.0.0.1/idp',
  'http://127.0.0.1:1/',
  'https://localhost/x',
  'https://[::1]/',
  'https://10.0.0.1/',
  'https://169.254.169.254/latest/meta-data',
  'http://0.0.0.0/',
  'file:///etc/passwd',
  'ftp://127.0.0.1/',
  'javascript:alert(1)',
  'not a url',
  'https://user:pass@127.0.0.1/',
];

const nastyString = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1_000, max: 200_000 }).map((length) => 'x'.repeat(length)),
  },
);

function deeplyNested(depth: number): unknown {
  let value: unknown = {};
  for (let level = 0; level < depth; level += 1) value = level % 2 === 0 ? [value] : { a: value };
  return value;
}

const wrongTyped = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
  fc.constantFrom(40, 2_000).map(deeplyNested),
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(nastyString, wrongTyped);

// --- values from schemas --------------------------------------------------

export class SchemaValues {
  constructor(
    private readonly document: OpenApiDocument,
    private readonly pools: Pools,
  ) {}

  resolve(schema: JsonSchema): JsonSchema {
    let current = schema;
    for (let hops = 0; current.$ref !== undefined && hops < 20; hops += 1) {
      const name = current.$ref.split('/').pop() ?? '';
      current = this.document.components.schemas[name] ?? {};
    }
    if (current.allOf?.length === 1 && current.allOf[0]) {
      return { ...this.resolve(current.allOf[0]), ...current, allOf: undefined };
    }
    return current;
  }

  /** Usually a value the schema allows; sometimes (about one in five) a hostile one. */
  value(schema: JsonSchema, name = '', depth = 0): fc.Arbitrary<unknown> {
    return fc.oneof(
      { weight: 4, arbitrary: this.valid(schema, name, depth) },
      { weight: 1, arbitrary: hostileValue },
    );
  }

  valid(schema: JsonSchema, name = '', depth = 0): fc.Arbitrary<unknown> {
    const resolved = this.resolve(schema);
    const variants = resolved.oneOf ?? resolved.anyOf;
    if (variants && variants.length > 0)
      return fc.oneof(...variants.map((variant) => this.valid(variant, name, depth)));
    if (resolved.allOf && resolved.allOf.length > 1) {
      const merged: JsonSchema = { type: 'object', properties: {}, required: [] };
      for (const part of resolved.allOf) {
        const partSchema = this.resolve(part);
        Object.assign(merged.properties ?? {}, partSchema.properties ?? {});
        merged.required?.push(...(partSchema.required ?? []));
      }
      return this.valid(merged, name, depth);
    }
    const base = this.typed(resolved, name, depth);
    return resolved.nullable ? fc.oneof(base, fc.constant(null)) : base;
  }

  private typed(schema: JsonSchema, name: string, depth: number): fc.Arbitrary<unknown> {
    if (schema.enum && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
    switch (schema.type) {
      case 'integer':
      case 'number':
        return this.numeric(schema);
      case 'boolean':
        return fc.boolean();
      case 'array':
        return fc.array(this.valid(schema.items ?? {}, name, depth + 1), {
          minLength: schema.minItems ?? 0,
          maxLength: Math.min(schema.maxItems ?? 4, 4),
        });
      case 'object':
        return depth > 4 ? fc.constant({}) : this.object(schema, depth);
      case 'string':
        return this.string(schema, name);
      case undefined:
      default:
        return fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean());
    }
  }

  private numeric(schema: JsonSchema): fc.Arbitrary<number> {
    const min = schema.minimum ?? -1_000_000;
    const max = schema.maximum ?? 1_000_000;
    const integer = fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
    // Boundaries and one step past them.
    return fc.oneof(integer, fc.constantFrom(min, max, min - 1, max + 1));
  }

  private string(schema: JsonSchema, name: string): fc.Arbitrary<string> {
    const pooled = this.pools[name];
    if (schema.format === 'uuid' || /Id$|^id$/.test(name)) {
      const ids = pooled && pooled.length > 0 ? [fc.constantFrom(...pooled)] : [];
      return fc.oneof(...ids, fc.uuid(), fc.constant('00000000-0000-0000-0000-000000000000'));
    }
    if (pooled && pooled.length > 0) return fc.constantFrom(...pooled);
    if (schema.format === 'email') return fc.emailAddress();
    if (schema.format === 'date-time')
      return fc
        .date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((date) => date.toISOString());
    if (schema.format === 'uri' || /url|uri|issuer/i.test(name))
      return fc.constantFrom(...SAFE_URLS);
    const maxLength = schema.maxLength ?? 64;
    const minLength = schema.minLength ?? 0;
    const lengths = { minLength, maxLength: Math.min(maxLength, 64) };
    const shaped: Array<fc.Arbitrary<string>> = [fc.string(lengths)];
    if (schema.pattern !== undefined) {
      try {
        shaped.push(
          fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= maxLength),
        );
      } catch {
        // A pattern JavaScript cannot compile: plain strings only.
      }
    }
    // Exactly at and one past the declared maximum length.
    if (schema.maxLength !== undefined && schema.maxLength <= 100_000) {
      shaped.push(fc.constantFrom('a'.repeat(maxLength), 'a'.repeat(maxLength + 1)));
    }
    shaped.push(fc.stringMatching(/^[a-z][a-z0-9._-]{2,20}$/));
    return fc.oneof(...shaped);
  }

  private object(schema: JsonSchema, depth: number): fc.Arbitrary<Record<string, unknown>> {
    const properties = Object.entries(schema.properties ?? {}).filter(
      ([, value]) => !value.readOnly,
    );
    const required = new Set(schema.required ?? []);
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [key, property] of properties) record[key] = this.value(property, key, depth + 1);
    const requiredKeys = properties.map(([key]) => key).filter((key) => required.has(key));
    return fc.record(record, { requiredKeys });
  }
}

// --- whole requests -------------------------------------------------------

/** encodeURIComponent that takes lone surrogates too (as U+FFFD, what a browser would send). */
function encode(value: string): string {
  return encodeURIComponent(
    value.replace(
      /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
      '\uFFFD',
    ),
  );
}

/** Raw JSON text with a key that JSON.stringify cannot produce from an object literal. */
function withRawKey(json: string, key: string, value: string): string {
  if (!json.startsWith('{')) return `{"${key}":${value}}`;
  return json === '{}' ? `{"${key}":${value}}` : `{"${key}":${value},${json.slice(1)}`;
}

function bodyText(values: SchemaValues, operation: Operation): fc.Arbitrary<string | undefined> {
  const schema = operation.body;
  if (schema === undefined) {
    return fc.oneof(
      { weight: 5, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
    );
  }
  const document = values.valid(schema).map((value) => JSON.stringify(value));
  const mutated = fc
    .tuple(values.valid(schema), fc.string({ maxLength: 12 }), hostileValue)
    .map(([value, key, extra]) =>
      JSON.stringify(
        typeof value === 'object' && value !== null && !Array.isArray(value)
          ? { ...value, [key || 'extra']: extra }
          : value,
      ),
    );
  const poisoned = fc
    .tuple(
      document,
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf'),
    )
    .map(([json, key]) => withRawKey(json ?? '{}', key, '{"isAdmin":true,"polluted":1}'));
  const garbage = fc.oneof(
    fc.constantFrom('{', '{"a":', '[', 'nul', '"\\ud800"', '{"a":1}{"b":2}', '\u0000', ''),
    fc.constantFrom(40, 2_000, 200_000).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
    fc.constantFrom(2_000, 100_000).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
    fc.constant(JSON.stringify({ items: Array.from({ length: 20_000 }, (_, index) => index) })),
    fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  );
  return fc.oneof(
    { weight: 5, arbitrary: document },
    { weight: 3, arbitrary: mutated },
    { weight: 1, arbitrary: poisoned },
    { weight: 2, arbitrary: garbage },
  );
}

const CONTENT_TYPES = [
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=latin1',
  'application/merge-patch+json',
];

function contentType(operation: Operation): fc.Arbitrary<string | undefined> {
  const declared = operation.mediaTypes.length > 0 ? operation.mediaTypes : ['application/json'];
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...declared) },
    { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/** A path segment: an existing id, a random uuid, or something that is no id at all. */
function pathValue(values: SchemaValues, parameter: Parameter, pool: readonly string[]) {
  const notAnId = fc.oneof(
    fc.constantFrom(...NASTY_STRINGS.filter((s) => s !== '')),
    fc.string({ minLength: 1, maxLength: 30 }),
    fc.constant('x'.repeat(5_000)),
  );
  return fc
    .oneof(
      ...(pool.length > 0 ? [{ weight: 5, arbitrary: fc.constantFrom(...pool) }] : []),
      {
        weight: 2,
        arbitrary: values.valid(parameter.schema ?? { type: 'string' }, parameter.name),
      },
      { weight: 1, arbitrary: fc.uuid({ version: [1, 4, 7] }) },
      { weight: 2, arbitrary: notAnId },
    )
    .map((value) => encode(String(value)));
}

/** `arbitrary` once in `oneIn` draws, otherwise undefined. */
function sometimes<T>(arbitrary: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | undefined> {
  return fc.oneof(
    { weight: oneIn - 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary },
  );
}

function queryString(values: SchemaValues, parameters: Parameter[]): fc.Arbitrary<string> {
  const declared = parameters.map((parameter) =>
    sometimes(
      fc.oneof(
        { weight: 3, arbitrary: values.valid(parameter.schema ?? {}, parameter.name) },
        { weight: 2, arbitrary: nastyString },
      ),
      2,
    ),
  );
  const extras = sometimes(
    fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), nastyString), {
      minLength: 1,
      maxLength: 2,
    }),
    4,
  );
  const repeated = sometimes(
    fc.tuple(
      fc.constantFrom(...parameters.map((p) => p.name), 'x'),
      fc.integer({ min: 2, max: 500 }),
    ),
    8,
  );
  const rawTail = sometimes(
    fc.constantFrom('%', '%zz', '%E0%A4%A', '&&&', '=', 'a[b]=1', 'a[][c]=1', '+'),
    10,
  );
  return fc
    .tuple(fc.tuple(...declared), extras, repeated, rawTail)
    .map(([chosen, extra, repeat, tail]) => {
      const pairs: string[] = [];
      chosen.forEach((value, index) => {
        const name = parameters[index]?.name ?? '';
        if (value === undefined) return;
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        pairs.push(`${encode(name)}=${encode(text ?? '')}`);
      });
      for (const [key, value] of extra ?? []) pairs.push(`${encode(key)}=${encode(value)}`);
      if (repeat) for (let i = 0; i < repeat[1]; i += 1) pairs.push(`${repeat[0]}=1`);
      if (tail) pairs.push(tail);
      return pairs.length > 0 ? `?${pairs.join('&')}` : '';
    });
}

/** Which pool a path parameter draws from: the resource named before it in the path. */
export function poolFor(path: string, parameter: string): string {
  const segments = path.split('/');
  const index = segments.indexOf(`{${parameter}}`);
  const resource = segments[index - 1] ?? '';
  if (parameter === 'userId' || resource === 'users') return 'users';
  if (parameter === 'policyId') return 'policies';
  if (parameter === 'connectionId') return 'sso-connections';
  return resource;
}

export function requestsFor(
  document: OpenApiDocument,
  operation: Operation,
  pools: Pools,
): fc.Arbitrary<FuzzRequest> {
  const values = new SchemaValues(document, pools);
  const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path');
  const queryParameters = operation.parameters.filter((parameter) => parameter.in === 'query');
  const segments = fc.tuple(
    ...pathParameters.map((parameter) =>
      pathValue(values, parameter, pools[poolFor(operation.path, parameter.name)] ?? []),
    ),
  );
  return fc
    .tuple(
      segments,
      queryString(values, queryParameters),
      bodyText(values, operation),
      contentType(operation),
    )
    .map(([ids, query, body, type]) => {
      let path = operation.path;
      pathParameters.forEach((parameter, index) => {
        path = path.replace(`{${parameter.name}}`, ids[index] ?? '');
      });
      return {
        operation,
        method: operation.method,
        url: `${path}${query}`,
        contentType: body === undefined ? undefined : type,
        body,
      };
    });
}
