import { Chip, Stack } from '@mui/material';
import {
  AutocompleteInput,
  BooleanInput,
  Button,
  Datagrid,
  DateField,
  FunctionField,
  List,
  ReferenceField,
  ReferenceInput,
  TextField,
  TopToolbar,
  useCanAccess,
  useGetIdentity,
  useListContext,
  useNotify,
  useRecordContext,
  useRefresh,
} from 'react-admin';
import { api, unwrap, type Schemas } from '../api/client';

type Session = Schemas['SessionResponseDto'];

function RevokeSession(_props: { label?: string }) {
  const session = useRecordContext<Session>();
  const notify = useNotify();
  const refresh = useRefresh();
  const { canAccess } = useCanAccess({ action: 'revoke', resource: 'sessions', record: session });
  if (!session || session.revokedAt !== null || !canAccess) return null;
  return (
    <Button
      label="Revoke"
      color="error"
      aria-label={session.current ? 'Revoke this session (signs you out)' : 'Revoke this session'}
      onClick={() =>
        void (async () => {
          try {
            unwrap(
              await api.DELETE('/api/v1/sessions/{id}', { params: { path: { id: session.id } } }),
            );
            notify('Session revoked: its tokens stop working now.', { type: 'success' });
            refresh();
          } catch (error) {
            notify(error instanceof Error ? error.message : 'Revoking failed.', { type: 'error' });
          }
        })()
      }
    />
  );
}

/** With a user chosen in the filter: end every session of theirs (DELETE /users/{id}/sessions). */
function RevokeAllOfUser() {
  const { filterValues } = useListContext<Session>() as { filterValues: { userId?: string } };
  const notify = useNotify();
  const refresh = useRefresh();
  const { canAccess } = useCanAccess({ action: 'revoke', resource: 'sessions' });
  const userId = filterValues.userId;
  if (!userId || !canAccess) return null;
  return (
    <Button
      label="Revoke all of this user's sessions"
      color="error"
      onClick={() =>
        void (async () => {
          try {
            unwrap(
              await api.DELETE('/api/v1/users/{id}/sessions', { params: { path: { id: userId } } }),
            );
            notify('Every session of this user is revoked.', { type: 'success' });
            refresh();
          } catch (error) {
            notify(error instanceof Error ? error.message : 'Revoking failed.', { type: 'error' });
          }
        })()
      }
    />
  );
}

function MySessionsButton() {
  const { identity } = useGetIdentity();
  const list = useListContext();
  const filterValues = list.filterValues as Record<string, unknown>;
  if (!identity) return null;
  return (
    <Button
      label="My sessions"
      onClick={() => list.setFilters({ ...filterValues, userId: identity.id }, {})}
    />
  );
}

const filters = [
  <ReferenceInput key="userId" source="userId" reference="users" alwaysOn>
    <AutocompleteInput label="User" optionText="username" />
  </ReferenceInput>,
  <BooleanInput key="active" source="active" label="Active only" alwaysOn />,
];

export function SessionList() {
  return (
    <List
      filters={filters}
      filterDefaultValues={{ active: true }}
      actions={
        <TopToolbar>
          <MySessionsButton />
          <RevokeAllOfUser />
        </TopToolbar>
      }
      pagination={false}
      empty={false}
      sort={{ field: 'lastSeenAt', order: 'DESC' }}
    >
      <Datagrid bulkActionButtons={false} rowClick={false}>
        <ReferenceField
          source="userId"
          reference="users"
          label="User"
          link="edit"
          sortable={false}
        />
        <FunctionField<Session>
          label="Session"
          render={(session) => (
            <Stack direction="row" spacing={0.5}>
              <Chip size="small" variant="outlined" label={session.method} />
              {session.current && <Chip size="small" color="primary" label="this one" />}
              {session.revokedAt !== null && <Chip size="small" label="revoked" />}
            </Stack>
          )}
        />
        <TextField source="ip" label="IP" emptyText="—" sortable={false} />
        <TextField source="userAgent" label="Browser or client" emptyText="—" sortable={false} />
        <DateField source="createdAt" label="Signed in" showTime sortable={false} />
        <DateField source="lastSeenAt" label="Last seen" showTime sortable={false} />
        <DateField source="expiresAt" label="Expires" showTime sortable={false} />
        <RevokeSession label="Actions" />
      </Datagrid>
    </List>
  );
}
