import {
  Autocomplete,
  Box,
  Button as MuiButton,
  Chip,
  IconButton,
  List as MuiList,
  ListItem,
  ListItemText,
  Stack,
  TextField as MuiTextField,
  Typography,
} from '@mui/material';
import RemoveIcon from '@mui/icons-material/PersonRemove';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import {
  CheckboxGroupInput,
  Create,
  CreateButton,
  Datagrid,
  DateField,
  Edit,
  FunctionField,
  List,
  NumberField,
  Show,
  SimpleForm,
  SimpleShowLayout,
  TextField,
  TextInput,
  TopToolbar,
  required,
  useCanAccess,
  useGetList,
  useNotify,
  useRecordContext,
} from 'react-admin';
import { api, unwrap, type Schemas } from '../api/client';
import { useGrantableRoleChoices } from '../users/grantable-roles';
import { SaveDeleteToolbar } from '../layout/SaveDeleteToolbar';

type Group = Schemas['GroupResponseDto'];
type Member = Schemas['UserResponseDto'];

function RoleChips() {
  const group = useRecordContext<Group>();
  if (!group) return null;
  return (
    <Stack direction="row" spacing={0.5} useFlexGap sx={{ flexWrap: 'wrap' }}>
      {group.roles.length === 0
        ? '—'
        : group.roles.map((role) => <Chip key={role} label={role} size="small" />)}
    </Stack>
  );
}

export function GroupList() {
  return (
    <List
      sort={{ field: 'name', order: 'ASC' }}
      pagination={false}
      empty={false}
      // Create only: react-admin's export button has no name when it folds to an icon on a narrow window.
      actions={
        <TopToolbar>
          <CreateButton />
        </TopToolbar>
      }
    >
      <Datagrid rowClick="show" bulkActionButtons={false}>
        <TextField source="name" sortable={false} />
        <TextField source="description" sortable={false} emptyText="—" />
        <FunctionField label="Roles members inherit" render={() => <RoleChips />} />
        <NumberField source="memberCount" label="Members" sortable={false} />
        <DateField source="createdAt" label="Created" sortable={false} />
      </Datagrid>
    </List>
  );
}

/** The group's members, read through GET /groups/{id}/members; with `editable`, add and remove. */
function Members({ editable }: { editable: boolean }) {
  const group = useRecordContext<Group>();
  const notify = useNotify();
  const [adding, setAdding] = useState<Member | null>(null);
  const { data: candidates = [] } = useGetList<Member>(
    'users',
    { pagination: { page: 1, perPage: 100 }, filter: { status: 'active' } },
    { enabled: editable },
  );
  const groupId = group?.id;

  const {
    data: members = null,
    error,
    refetch,
  } = useQuery({
    queryKey: ['groups', groupId, 'members'],
    enabled: groupId !== undefined,
    queryFn: async (): Promise<Member[]> => {
      const path = { id: groupId ?? '' };
      return unwrap(await api.GET('/api/v1/groups/{id}/members', { params: { path } })).items;
    },
  });

  async function change(work: () => Promise<unknown>, done: string) {
    try {
      await work();
      notify(done, { type: 'success' });
      await refetch();
    } catch (error) {
      notify(error instanceof Error ? error.message : 'The change failed.', { type: 'error' });
    }
  }

  if (groupId === undefined) return null;
  const path = { id: groupId };
  const memberIds = new Set(members?.map((member) => member.id));

  return (
    <Box component="section" aria-labelledby="members-title" sx={{ mt: 2 }}>
      <Typography id="members-title" component="h2" variant="h6">
        Members
      </Typography>
      {editable && (
        <Stack direction="row" spacing={1} sx={{ my: 1, maxWidth: 520 }}>
          <Autocomplete
            sx={{ flex: 1 }}
            options={candidates.filter((user) => !memberIds.has(user.id))}
            getOptionLabel={(user) => user.username}
            value={adding}
            onChange={(_event, user) => setAdding(user)}
            renderInput={(params) => <MuiTextField {...params} label="Add a member" size="small" />}
          />
          <MuiButton
            variant="outlined"
            disabled={adding === null}
            onClick={() =>
              adding &&
              void change(
                async () =>
                  unwrap(
                    await api.POST('/api/v1/groups/{id}/members', {
                      params: { path },
                      body: { userIds: [adding.id] },
                    }),
                  ),
                `${adding.username} added.`,
              ).then(() => setAdding(null))
            }
          >
            Add
          </MuiButton>
        </Stack>
      )}
      {error && (
        <Typography variant="body2" role="alert" sx={{ color: 'error.main' }}>
          {error.message}
        </Typography>
      )}
      {members !== null && members.length === 0 && (
        <Typography variant="body2">No members yet.</Typography>
      )}
      <MuiList dense aria-labelledby="members-title">
        {members?.map((member) => (
          <ListItem
            key={member.id}
            secondaryAction={
              editable && (
                <IconButton
                  edge="end"
                  aria-label={`Remove ${member.username}`}
                  onClick={() =>
                    void change(
                      async () =>
                        unwrap(
                          await api.DELETE('/api/v1/groups/{id}/members/{userId}', {
                            params: { path: { id: groupId, userId: member.id } },
                          }),
                        ),
                      `${member.username} removed.`,
                    )
                  }
                >
                  <RemoveIcon />
                </IconButton>
              )
            }
          >
            <ListItemText
              primary={member.username}
              secondary={member.displayName ?? member.email ?? undefined}
            />
          </ListItem>
        ))}
      </MuiList>
    </Box>
  );
}

export function GroupShow() {
  return (
    <Show>
      <SimpleShowLayout>
        <TextField source="name" />
        <TextField source="description" emptyText="—" />
        <FunctionField label="Roles members inherit" render={() => <RoleChips />} />
        <DateField source="createdAt" label="Created" />
        <Members editable={false} />
      </SimpleShowLayout>
    </Show>
  );
}

function GroupRolesInput() {
  const group = useRecordContext<Group>();
  const { choices } = useGrantableRoleChoices(group?.roles ?? []);
  return (
    <CheckboxGroupInput
      source="roles"
      label="Roles members inherit"
      choices={choices}
      helperText="Only roles you may grant are offered"
    />
  );
}

export function GroupCreate() {
  return (
    <Create redirect="edit">
      <SimpleForm>
        <TextInput source="name" validate={required()} />
        <TextInput source="description" multiline />
        <GroupRolesInput />
      </SimpleForm>
    </Create>
  );
}

function EditMembers() {
  const group = useRecordContext<Group>();
  const { canAccess } = useCanAccess({ action: 'update', resource: 'groups', record: group });
  return <Members editable={canAccess === true} />;
}

export function GroupEdit() {
  return (
    <Edit mutationMode="pessimistic">
      <SimpleForm toolbar={<SaveDeleteToolbar />}>
        <TextInput source="name" validate={required()} />
        <TextInput source="description" multiline />
        <GroupRolesInput />
      </SimpleForm>
      <Box sx={{ px: 2, pb: 2 }}>
        <EditMembers />
      </Box>
    </Edit>
  );
}
