import { Chip, Stack, Typography } from '@mui/material';
import {
  Button,
  CheckboxGroupInput,
  Create,
  Datagrid,
  DateField,
  FunctionField,
  List,
  ReferenceArrayInput,
  SelectArrayInput,
  SelectInput,
  SimpleForm,
  TextField,
  TextInput,
  email,
  required,
  useCanAccess,
  useNotify,
  useRecordContext,
  useRefresh,
} from 'react-admin';
import { api, unwrap, type Schemas } from '../api/client';
import { forgetPages } from '../data/cursor-pages';
import { CursorPagination } from '../data/CursorPagination';
import { useGrantableRoleChoices } from '../users/grantable-roles';

type Invite = Schemas['InviteResponseDto'];

const filters = [
  <SelectInput
    key="status"
    source="status"
    alwaysOn
    choices={[
      { id: 'pending', name: 'Pending' },
      { id: 'accepted', name: 'Accepted' },
      { id: 'revoked', name: 'Revoked' },
      { id: 'expired', name: 'Expired' },
    ]}
  />,
];

/** Where the invite mail is: queued, sent, retrying (with why), failed. */
function DeliveryField(_props: { label?: string }) {
  const invite = useRecordContext<Invite>();
  if (!invite) return null;
  const { state, attempts, lastError } = invite.delivery;
  return (
    <Stack>
      <Chip
        size="small"
        variant="outlined"
        label={`mail ${state}`}
        color={state === 'sent' ? 'success' : state === 'failed' ? 'error' : 'default'}
      />
      {lastError && (
        <Typography variant="caption" sx={{ color: 'text.secondary' }}>
          {attempts} attempt(s): {lastError}
        </Typography>
      )}
    </Stack>
  );
}

function InviteRowActions(_props: { label?: string }) {
  const invite = useRecordContext<Invite>();
  const notify = useNotify();
  const refresh = useRefresh();
  const { canAccess: canResend } = useCanAccess({
    action: 'update',
    resource: 'invites',
    record: invite,
  });
  const { canAccess: canRevoke } = useCanAccess({
    action: 'revoke',
    resource: 'invites',
    record: invite,
  });
  if (!invite || invite.status !== 'pending') return null;
  const path = { id: invite.id };

  async function act(work: () => Promise<unknown>, done: string) {
    try {
      await work();
      notify(done, { type: 'success' });
      forgetPages('invites');
      refresh();
    } catch (error) {
      notify(error instanceof Error ? error.message : 'The action failed.', { type: 'error' });
    }
  }

  return (
    <Stack direction="row" onClick={(event) => event.stopPropagation()}>
      {canResend && (
        <Button
          label="Resend"
          aria-label={`Resend the invite to ${invite.email}`}
          onClick={() =>
            void act(
              async () =>
                unwrap(await api.POST('/api/v1/invites/{id}/resend', { params: { path } })),
              `A new invite mail to ${invite.email} is on its way.`,
            )
          }
        />
      )}
      {canRevoke && (
        <Button
          label="Revoke"
          color="error"
          aria-label={`Revoke the invite to ${invite.email}`}
          onClick={() =>
            void act(
              async () => unwrap(await api.DELETE('/api/v1/invites/{id}', { params: { path } })),
              `The invite to ${invite.email} is revoked.`,
            )
          }
        />
      )}
    </Stack>
  );
}

export function InviteList() {
  return (
    <List
      filters={filters}
      sort={{ field: 'createdAt', order: 'DESC' }}
      perPage={25}
      pagination={<CursorPagination />}
      empty={false}
    >
      <Datagrid bulkActionButtons={false} rowClick={false}>
        <TextField source="email" sortable={false} />
        <TextField source="displayName" label="Name" sortable={false} emptyText="—" />
        <FunctionField<Invite> label="Roles" render={(invite) => invite.roles.join(', ') || '—'} />
        <TextField source="status" sortable={false} />
        <DeliveryField label="Mail" />
        <FunctionField<Invite>
          label="Invited by"
          render={(invite) => invite.invitedBy.username ?? invite.invitedBy.type}
        />
        <DateField source="createdAt" label="Sent" sortable={false} showTime />
        <DateField source="expiresAt" label="Expires" sortable={false} showTime />
        <InviteRowActions label="Actions" />
      </Datagrid>
    </List>
  );
}

export function InviteCreate() {
  const { choices } = useGrantableRoleChoices();
  return (
    <Create redirect="list" resource="invites">
      <SimpleForm defaultValues={{ roles: ['user'] }}>
        <TextInput source="email" type="email" validate={[required(), email()]} />
        <TextInput source="displayName" label="Display name" />
        <CheckboxGroupInput
          source="roles"
          choices={choices}
          helperText="Only roles you may grant are offered"
        />
        <ReferenceArrayInput source="groupIds" reference="groups">
          <SelectArrayInput label="Groups" optionText="name" />
        </ReferenceArrayInput>
      </SimpleForm>
    </Create>
  );
}
