import { escapeLiteral } from 'pg';

/** The filters an audit query or export narrows by (validated by the DTOs first). */
export interface AuditFilters {
  from?: string;
  to?: string;
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  outcome?: 'success' | 'failure';
}

export type ExportFormat = 'csv' | 'ndjson' | 'json';

/**
 * The WHERE clause of an organization's events under `filters`, with values
 * inlined as escaped literals: COPY takes no bind parameters.
 */
export function auditWhereSql(organizationId: string, filters: AuditFilters): string {
  const literal = (value: string) => escapeLiteral(value);
  const conditions = [`organization_id = ${literal(organizationId)}::uuid`];
  if (filters.from)
    conditions.push(`occurred_at >= ${literal(new Date(filters.from).toISOString())}`);
  if (filters.to) conditions.push(`occurred_at < ${literal(new Date(filters.to).toISOString())}`);
  if (filters.actorId) conditions.push(`actor_id = ${literal(filters.actorId)}::uuid`);
  if (filters.action) {
    conditions.push(
      filters.action.endsWith('.')
        ? `starts_with(action, ${literal(filters.action)})`
        : `action = ${literal(filters.action)}`,
    );
  }
  if (filters.targetType) conditions.push(`target_type = ${literal(filters.targetType)}`);
  if (filters.targetId) conditions.push(`target_id = ${literal(filters.targetId)}`);
  if (filters.outcome) conditions.push(`outcome = ${literal(filters.outcome)}`);
  return conditions.join(' and ');
}

const ISO_UTC = `to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A text cell a spreadsheet would not run as a formula: a leading = + - @ tab
 * or carriage return gets a quote in front (OWASP's CSV injection advice).
 */
function cell(expression: string): string {
  return `case when left(${expression}, 1) in ('=', '+', '-', '@', E'\\t', E'\\r')
    then '''' || ${expression} else ${expression} end`;
}

/** CSV columns: header name and SQL expression. */
const CSV_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['id', 'id'],
  ['seq', 'seq'],
  ['occurred_at', ISO_UTC],
  ['actor_type', 'actor_type'],
  ['actor_id', 'actor_id'],
  ['actor_username', cell('actor_username')],
  ['actor_email', cell('actor_email')],
  ['action', cell('action')],
  ['target_type', cell('target_type')],
  ['target_id', cell('target_id')],
  ['outcome', 'outcome'],
  ['reason', cell('reason')],
  ['changes', cell('changes::text')],
  ['ip', cell('ip')],
  ['user_agent', cell('user_agent')],
  ['request_id', cell('request_id')],
  ['prev_hash', 'prev_hash'],
  ['hash', 'hash'],
  ['key_id', 'key_id'],
  ['mac', 'mac'],
];

/** One event as JSON, shaped as the API returns it, plus its chain fields for offline checks. */
const EVENT_JSON = `json_build_object(
  'id', id, 'seq', seq::text, 'occurredAt', ${ISO_UTC},
  'actor', json_build_object('type', actor_type, 'id', actor_id, 'username', actor_username, 'email', actor_email),
  'action', action, 'target', json_build_object('type', target_type, 'id', target_id),
  'outcome', outcome, 'reason', reason, 'changes', changes, 'ip', ip,
  'userAgent', user_agent, 'requestId', request_id, 'prevHash', prev_hash, 'hash', hash,
  'keyId', key_id, 'mac', mac)::text`;

/**
 * CSV mode with a quote and delimiter that never occur in JSON text (control
 * characters are escaped there), so each JSON value is written verbatim on its
 * own line; text mode would double every backslash.
 */
const VERBATIM_LINES = `(format csv, quote E'\\x01', delimiter E'\\x02')`;

/**
 * The COPY statement that streams the filtered events in chain order (seq).
 * JSON is one array: the first row opens it, later rows start with a comma;
 * the caller writes `[` before and `]` after.
 */
export function auditCopySql(format: ExportFormat, where: string): string {
  switch (format) {
    case 'csv': {
      const columns = CSV_COLUMNS.map(([name, expression]) => `${expression} as ${name}`);
      return `copy (select ${columns.join(', ')} from audit_events where ${where} order by seq)
        to stdout with (format csv, header true)`;
    }
    case 'ndjson':
      return `copy (select ${EVENT_JSON} from audit_events where ${where} order by seq)
        to stdout with ${VERBATIM_LINES}`;
    case 'json':
      return `copy (select case when row_number() over (order by seq) = 1 then '' else ',' end
          || ${EVENT_JSON} from audit_events where ${where} order by seq)
        to stdout with ${VERBATIM_LINES}`;
  }
}
