import { useGetList } from 'react-admin';

/** The roles the signed-in person may grant, as choices (the API marks them: GET /roles `grantable`). */
export function useGrantableRoleChoices(alsoHeld: readonly string[] = []) {
  const { data = [], isPending } = useGetList<{ id: string; name: string; grantable: boolean }>(
    'roles',
    { pagination: { page: 1, perPage: 1000 } },
  );
  const choices = data
    .filter((role) => role.grantable || alsoHeld.includes(role.id))
    .map((role) => ({ id: role.id, name: role.name, disabled: !role.grantable }));
  return { choices, isPending };
}
