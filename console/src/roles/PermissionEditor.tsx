import {
  Alert,
  MenuItem,
  Select,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { useInput } from 'react-admin';
import { api, unwrap, type Schemas } from '../api/client';
import { useCan } from '../auth/use-ability';

type Permission = Schemas['PermissionDto'];
type Scope = NonNullable<Permission['scope']>;
type MatrixRow = Schemas['MatrixRowDto'];

const SCOPES: Array<{ id: Scope | ''; name: string }> = [
  { id: '', name: '—' },
  { id: 'all', name: 'All in the organization' },
  { id: 'own', name: 'Their own' },
  { id: 'assigned', name: 'Assigned to them' },
];

const keyOf = (permission: { subject: string; action: string }) =>
  `${permission.subject}:${permission.action}`;

/**
 * The role's permissions as a grid: one row per subject and action of the
 * permission matrix (GET /roles/matrix, so the console never keeps its own
 * list), each with how far it reaches. Rows the signed-in person does not hold
 * are disabled: a role may carry only what its creator may do (the API checks
 * again). Field limits and conditions a permission already has are kept.
 */
export function PermissionEditor() {
  const { field } = useInput<Permission[]>({ source: 'permissions', defaultValue: [] });
  const can = useCan();
  const { data: rows, error } = useQuery({
    queryKey: ['roles', 'matrix'],
    queryFn: async () => unwrap(await api.GET('/api/v1/roles/matrix')) as MatrixRow[],
  });
  const permissions = (field.value as Permission[] | undefined) ?? [];
  const byKey = new Map(permissions.map((permission) => [keyOf(permission), permission]));
  const others = permissions.filter(
    (permission) => !rows?.some((row) => keyOf(row) === keyOf(permission)),
  );

  function setScope(row: MatrixRow, scope: Scope | '') {
    const rest = permissions.filter((permission) => keyOf(permission) !== keyOf(row));
    if (scope === '') return field.onChange(rest);
    const previous = byKey.get(keyOf(row));
    field.onChange([...rest, { ...previous, subject: row.subject, action: row.action, scope }]);
  }

  if (error) return <Alert severity="error">{error.message}</Alert>;
  return (
    <>
      <Typography id="permissions-title" component="h2" variant="h6" sx={{ mt: 2 }}>
        Permissions
      </Typography>
      <TableContainer
        sx={{ maxHeight: '60vh', maxWidth: 720 }}
        tabIndex={0}
        role="region"
        aria-label="Permissions, scrollable"
      >
        <Table size="small" stickyHeader aria-labelledby="permissions-title">
          <TableHead>
            <TableRow>
              <TableCell>Subject</TableCell>
              <TableCell>Action</TableCell>
              <TableCell>Reach</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {rows?.map((row) => {
              const current = byKey.get(keyOf(row));
              const held = can?.(row.action, row.subject) ?? false;
              return (
                <TableRow key={keyOf(row)}>
                  <TableCell>{row.subject}</TableCell>
                  <TableCell>{row.action}</TableCell>
                  <TableCell>
                    <Select
                      displayEmpty
                      size="small"
                      value={current ? (current.scope ?? 'all') : ''}
                      onChange={(event) => setScope(row, event.target.value)}
                      disabled={!held && current === undefined}
                      inputProps={{ 'aria-label': `${row.subject} ${row.action}` }}
                      sx={{ minWidth: 220 }}
                    >
                      {SCOPES.map((scope) => (
                        <MenuItem key={scope.id} value={scope.id}>
                          {scope.name}
                        </MenuItem>
                      ))}
                    </Select>
                    {current?.fields && (
                      <Typography variant="caption" sx={{ ml: 1 }}>
                        only {current.fields.join(', ')}
                      </Typography>
                    )}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </TableContainer>
      {others.length > 0 && (
        <Typography variant="body2" sx={{ mt: 1 }}>
          Also kept as they are:{' '}
          {others.map((permission) => `${permission.subject} ${permission.action}`).join(', ')}
        </Typography>
      )}
    </>
  );
}
