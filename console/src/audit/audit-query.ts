import type { paths } from '../api/schema';

export type AuditFilter = Partial<
  Record<'from' | 'to' | 'actorId' | 'action' | 'targetType' | 'targetId' | 'outcome', string>
>;
type AuditQuery = NonNullable<paths['/api/v1/audit-events']['get']['parameters']['query']>;

/** The list's filters as the API's query: empty inputs dropped, times as ISO 8601 UTC. */
export function auditQuery(filter: AuditFilter): AuditQuery {
  const iso = (value?: string) => (value ? new Date(value).toISOString() : undefined);
  return {
    from: iso(filter.from),
    to: iso(filter.to),
    actorId: filter.actorId || undefined,
    action: filter.action || undefined,
    targetType: filter.targetType || undefined,
    targetId: filter.targetId || undefined,
    outcome: (filter.outcome || undefined) as AuditQuery['outcome'],
  };
}
