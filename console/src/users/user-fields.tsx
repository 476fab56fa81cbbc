import { Chip, Stack, Typography } from '@mui/material';
import { FunctionField, useRecordContext } from 'react-admin';
import type { Schemas } from '../api/client';

export type User = Schemas['UserResponseDto'];

/** What the Datagrid reads from a column's props (header text, sort field). */
export interface FieldLabel {
  label?: string;
  source?: string;
}

export function isLocked(user: Pick<User, 'lockedUntil'>, now = Date.now()): boolean {
  return user.lockedUntil !== null && Date.parse(user.lockedUntil) > now;
}

// label and source are read by the Datagrid header, not here.
export function RolesField(_props: FieldLabel) {
  const user = useRecordContext<User>();
  if (!user) return null;
  return (
    <Stack direction="row" spacing={0.5} useFlexGap sx={{ flexWrap: 'wrap' }}>
      {user.roles.map((role) => (
        <Chip key={role} label={role} size="small" />
      ))}
    </Stack>
  );
}

// label and source are read by the Datagrid header, not here.
export function StatusField(_props: FieldLabel) {
  const user = useRecordContext<User>();
  if (!user) return null;
  return (
    <Stack direction="row" spacing={0.5}>
      <Chip
        label={user.status}
        size="small"
        color={user.status === 'active' ? 'success' : 'default'}
        variant="outlined"
      />
      {isLocked(user) && (
        <Chip
          label="locked"
          size="small"
          color="warning"
          title={`Locked until ${new Date(user.lockedUntil ?? 0).toLocaleString()}`}
        />
      )}
    </Stack>
  );
}

// label and source are read by the Datagrid header, not here.
export function GroupsField(_props: FieldLabel) {
  return (
    <FunctionField<User>
      label="Groups"
      render={(user) => user.groups.map((group) => group.name).join(', ') || '—'}
    />
  );
}

// label and source are read by the Datagrid header, not here.
export function LastLoginField(_props: FieldLabel) {
  const user = useRecordContext<User>();
  if (!user) return null;
  if (!user.lastLoginAt) return <Typography variant="body2">never</Typography>;
  return (
    <Typography variant="body2">
      {new Date(user.lastLoginAt).toLocaleString()}
      {user.lastLoginIp && (
        <Typography
          component="span"
          variant="caption"
          sx={{ display: 'block', color: 'text.secondary' }}
        >
          {user.lastLoginIp}
        </Typography>
      )}
    </Typography>
  );
}

/** Sessions, API keys, groups and applications, as counts. */
// label and source are read by the Datagrid header, not here.
export function StatsField(_props: FieldLabel) {
  const user = useRecordContext<User>();
  if (!user?.stats) return null;
  const { activeSessions, apiKeys, groups, applications } = user.stats;
  return (
    <Typography
      variant="body2"
      title="active sessions / API keys / groups / applications"
      aria-label={`${activeSessions} sessions, ${apiKeys} API keys, ${groups} groups, ${applications} applications`}
    >
      {activeSessions} / {apiKeys} / {groups} / {applications}
    </Typography>
  );
}
