import { useQuery } from '@tanstack/react-query';
import { allows } from './ability';
import { currentMe } from './auth-provider';

/**
 * The caller's rules as a function, for checks over many records at once
 * (react-admin's useCanAccess takes one record per call). `null` while GET /me
 * is read.
 */
export function useCan(): ((action: string, resource: string, record?: object) => boolean) | null {
  const { data } = useQuery({ queryKey: ['console', 'me'], queryFn: currentMe, staleTime: 5_000 });
  if (data === undefined) return null;
  return (action, resource, record) =>
    allows(
      data.ability,
      data.document.organization.id,
      action,
      resource,
      record as Record<string, unknown> | undefined,
    );
}
