import {
  Alert,
  Autocomplete,
  Box,
  Button as MuiButton,
  Chip,
  FormControl,
  FormControlLabel,
  FormLabel,
  IconButton,
  Radio,
  RadioGroup,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField as MuiTextField,
  Typography,
} from '@mui/material';
import DeleteIcon from '@mui/icons-material/DeleteOutlined';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useState } from 'react';
import {
  Create,
  DateField,
  Edit,
  FunctionField,
  List,
  SearchInput,
  Show,
  SimpleForm,
  SimpleShowLayout,
  TextField,
  TextInput,
  required,
  useCanAccess,
  useGetList,
  useGetMany,
  useNotify,
  useRecordContext,
  Datagrid,
} from 'react-admin';
import { api, unwrap, type Schemas } from '../api/client';
import { useCan } from '../auth/use-ability';
import { CursorPagination } from '../data/CursorPagination';
import { UserPicker, UsersPicker } from '../users/UserPicker';
import { SaveDeleteToolbar } from '../layout/SaveDeleteToolbar';

type Application = Schemas['ApplicationResponseDto'];
type Policy = Schemas['PolicyResponseDto'];
type Group = Schemas['GroupResponseDto'];
type User = Schemas['UserResponseDto'];
type Decision = Schemas['DecisionDto'];

/** The API's problem `detail`, or a plain sentence when the failure had none. */
const messageOf = (error: unknown) =>
  error instanceof Error ? error.message : 'The request failed.';

export function ApplicationList() {
  return (
    <List
      filters={[<SearchInput key="q" source="q" alwaysOn placeholder="Name" />]}
      pagination={<CursorPagination />}
      perPage={25}
      sort={{ field: 'createdAt', order: 'DESC' }}
      empty={false}
    >
      <Datagrid rowClick="show" bulkActionButtons={false}>
        <TextField source="name" sortable={false} />
        <TextField source="description" sortable={false} emptyText="—" />
        <FunctionField label="Owner" render={() => <OwnerName />} />
        <FunctionField<Application>
          label="Assigned people"
          render={(app) => app.assignments.userIds.length}
        />
        <FunctionField<Application>
          label="Assigned groups"
          render={(app) => app.assignments.groupIds.length}
        />
        <DateField source="createdAt" label="Created" sortable={false} />
      </Datagrid>
    </List>
  );
}

/** People the caller may read, of `ids` (asking for the others would be refused). */
function useReadableUsers(ids: readonly string[]) {
  const can = useCan();
  const readable = can === null ? [] : ids.filter((id) => can('read', 'users', { id }));
  const { data = [] } = useGetMany<User>('users', { ids: readable });
  return { users: data, hidden: can === null ? 0 : ids.length - readable.length };
}

/** The owner's username, or a plain word when the caller may not read the owner. */
function OwnerName() {
  const application = useRecordContext<Application>();
  const { users, hidden } = useReadableUsers(application ? [application.ownerId] : []);
  if (hidden > 0) return <>someone else</>;
  return <>{users[0]?.username ?? ''}</>;
}

function ApplicationForm() {
  return (
    <>
      <TextInput source="name" validate={required()} />
      <TextInput source="description" multiline />
    </>
  );
}

export function ApplicationCreate() {
  return (
    <Create redirect="show">
      <SimpleForm>
        <ApplicationForm />
      </SimpleForm>
    </Create>
  );
}

export function ApplicationEdit() {
  return (
    <Edit mutationMode="pessimistic" redirect="show">
      <SimpleForm toolbar={<SaveDeleteToolbar />}>
        <ApplicationForm />
      </SimpleForm>
    </Edit>
  );
}

/** A titled part of the application's page. */
function Section(props: { id: string; title: string; children: ReactNode }) {
  return (
    <Box component="section" aria-labelledby={props.id} sx={{ mt: 3 }}>
      <Typography id={props.id} component="h2" variant="h6" gutterBottom>
        {props.title}
      </Typography>
      {props.children}
    </Box>
  );
}

function useGroups() {
  return useGetList<Group>('groups', { pagination: { page: 1, perPage: 1000 } }).data ?? [];
}

function GroupsPicker(props: {
  label: string;
  value: string[];
  onChange: (ids: string[]) => void;
}) {
  const groups = useGroups();
  return (
    <Autocomplete
      multiple
      sx={{ flex: 1, minWidth: 240 }}
      options={groups}
      getOptionLabel={(group) => group.name}
      isOptionEqualToValue={(option, value) => option.id === value.id}
      value={groups.filter((group) => props.value.includes(group.id))}
      onChange={(_event, chosen) => props.onChange(chosen.map((group) => group.id))}
      renderInput={(params) => <MuiTextField {...params} label={props.label} size="small" />}
    />
  );
}

/** Who the application is assigned to; with the right to assign, change it (PUT replaces both lists). */
function Assignments() {
  const application = useRecordContext<Application>();
  const notify = useNotify();
  const { canAccess } = useCanAccess({
    action: 'assign',
    resource: 'applications',
    record: application,
  });
  const [draft, setDraft] = useState<Schemas['AssignmentsDto'] | null>(null);
  const [saved, setSaved] = useState<Schemas['AssignmentsDto'] | null>(null);
  const [saving, setSaving] = useState(false);
  const groups = useGroups();
  const { users, hidden } = useReadableUsers(application?.assignments.userIds ?? []);
  if (!application) return null;
  const current = draft ?? saved ?? application.assignments;

  async function save() {
    if (!application || draft === null) return;
    setSaving(true);
    try {
      const path = { id: application.id };
      setSaved(
        unwrap(
          await api.PUT('/api/v1/applications/{id}/assignments', {
            params: { path },
            body: draft,
          }),
        ),
      );
      setDraft(null);
      notify('Assignments saved.', { type: 'success' });
    } catch (error) {
      notify(messageOf(error), { type: 'error' });
    } finally {
      setSaving(false);
    }
  }

  if (canAccess !== true) {
    const groupNames = groups
      .filter((group) => current.groupIds.includes(group.id))
      .map((group) => group.name);
    return (
      <Section id="assignments-title" title="Assigned to">
        <Typography variant="body2">
          People:{' '}
          {[
            ...users.map((user) => user.username),
            ...(hidden > 0 ? [`${hidden} others`] : []),
          ].join(', ') || 'none'}
        </Typography>
        <Typography variant="body2">Groups: {groupNames.join(', ') || 'none'}</Typography>
      </Section>
    );
  }
  return (
    <Section id="assignments-title" title="Assigned to">
      <Stack spacing={2} sx={{ maxWidth: 720 }}>
        <UsersPicker
          label="People"
          value={current.userIds}
          onChange={(userIds) => setDraft({ ...current, userIds })}
        />
        <GroupsPicker
          label="Groups"
          value={current.groupIds}
          onChange={(groupIds) => setDraft({ ...current, groupIds })}
        />
        <Box>
          <MuiButton
            variant="outlined"
            disabled={draft === null || saving}
            onClick={() => void save()}
          >
            {saving ? 'Saving…' : 'Save assignments'}
          </MuiButton>
        </Box>
      </Stack>
    </Section>
  );
}

/** A policy's subjects in words: roles by key, groups and people by name. */
function PolicySubjects({ policy, groups }: { policy: Policy; groups: Group[] }) {
  const { users, hidden } = useReadableUsers(policy.users);
  const names = [
    ...policy.roles.map((role) => `role ${role}`),
    ...groups.filter((group) => policy.groups.includes(group.id)).map((g) => `group ${g.name}`),
    ...users.map((user) => user.username),
    ...(hidden > 0 ? [`${hidden} others`] : []),
  ];
  return <>{names.join(', ') || 'nobody'}</>;
}

const emptyPolicy = {
  name: '',
  effect: 'allow' as Policy['effect'],
  actions: '',
  roles: [] as string[],
  groups: [] as string[],
  users: [] as string[],
};

function NewPolicyForm(props: { applicationId: string; onCreated: () => Promise<unknown> }) {
  const notify = useNotify();
  const [policy, setPolicy] = useState(emptyPolicy);
  const [busy, setBusy] = useState(false);
  const { data: roles = [] } = useGetList<{ id: string; name: string }>('roles', {
    pagination: { page: 1, perPage: 1000 },
  });

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      const body: Schemas['CreatePolicyDto'] = {
        name: policy.name,
        effect: policy.effect,
        actions: policy.actions
          .split(',')
          .map((action) => action.trim())
          .filter((action) => action !== ''),
        roles: policy.roles,
        groups: policy.groups,
        users: policy.users,
      };
      const path = { id: props.applicationId };
      unwrap(await api.POST('/api/v1/applications/{id}/policies', { params: { path }, body }));
      setPolicy(emptyPolicy);
      notify('Policy added.', { type: 'success' });
      await props.onCreated();
    } catch (error) {
      notify(messageOf(error), { type: 'error' });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Stack
      component="form"
      aria-label="Add a policy"
      onSubmit={(event) => void submit(event)}
      spacing={2}
      sx={{ maxWidth: 720, mt: 2 }}
    >
      <Typography component="h3" variant="subtitle1">
        Add a policy
      </Typography>
      <MuiTextField
        label="Policy name"
        size="small"
        required
        value={policy.name}
        onChange={(event) => setPolicy({ ...policy, name: event.target.value })}
      />
      <FormControl>
        <FormLabel id="effect-label">Effect</FormLabel>
        <RadioGroup
          row
          aria-labelledby="effect-label"
          value={policy.effect}
          onChange={(event) =>
            setPolicy({ ...policy, effect: event.target.value as Policy['effect'] })
          }
        >
          <FormControlLabel value="allow" control={<Radio />} label="Allow" />
          <FormControlLabel value="deny" control={<Radio />} label="Deny" />
        </RadioGroup>
      </FormControl>
      <MuiTextField
        label="Actions"
        size="small"
        required
        helperText="Comma-separated, e.g. read, write; * for every action"
        value={policy.actions}
        onChange={(event) => setPolicy({ ...policy, actions: event.target.value })}
      />
      <Autocomplete
        multiple
        options={roles.map((role) => role.id)}
        getOptionLabel={(key) => roles.find((role) => role.id === key)?.name ?? key}
        value={policy.roles}
        onChange={(_event, keys) => setPolicy({ ...policy, roles: keys })}
        renderInput={(params) => <MuiTextField {...params} label="Roles" size="small" />}
      />
      <GroupsPicker
        label="Groups"
        value={policy.groups}
        onChange={(groups) => setPolicy({ ...policy, groups })}
      />
      <UsersPicker
        label="People"
        value={policy.users}
        onChange={(users) => setPolicy({ ...policy, users })}
      />
      <Box>
        <MuiButton type="submit" variant="outlined" disabled={busy}>
          {busy ? 'Adding…' : 'Add policy'}
        </MuiButton>
      </Box>
    </Stack>
  );
}

/** Read by screen readers, not shown: the delete column's header. */
const visuallyHidden = {
  position: 'absolute',
  width: 1,
  height: 1,
  overflow: 'hidden',
  clip: 'rect(0 0 0 0)',
} as const;

/** The application's allow and deny policies; deny wins, no matching allow means deny. */
function Policies() {
  const application = useRecordContext<Application>();
  const notify = useNotify();
  const groups = useGroups();
  const { canAccess: canRead } = useCanAccess({ action: 'read', resource: 'policies' });
  const { canAccess: canCreate } = useCanAccess({ action: 'create', resource: 'policies' });
  const { canAccess: canDelete } = useCanAccess({ action: 'delete', resource: 'policies' });
  const applicationId = application?.id;
  const {
    data: policies = null,
    error,
    refetch,
  } = useQuery({
    queryKey: ['applications', applicationId, 'policies'],
    enabled: applicationId !== undefined && canRead === true,
    queryFn: async (): Promise<Policy[]> => {
      const path = { id: applicationId ?? '' };
      return unwrap(await api.GET('/api/v1/applications/{id}/policies', { params: { path } }))
        .items;
    },
  });
  if (applicationId === undefined || canRead !== true) return null;

  async function remove(policy: Policy) {
    try {
      const path = { id: policy.applicationId, policyId: policy.id };
      unwrap(
        await api.DELETE('/api/v1/applications/{id}/policies/{policyId}', { params: { path } }),
      );
      notify(`Policy ${policy.name} deleted.`, { type: 'success' });
      await refetch();
    } catch (failure) {
      notify(messageOf(failure), { type: 'error' });
    }
  }

  return (
    <Section id="policies-title" title="Policies">
      {error && <Alert severity="error">{error.message}</Alert>}
      {policies !== null && policies.length === 0 && (
        <Typography variant="body2">
          No policies yet: nobody is allowed anything in this application.
        </Typography>
      )}
      {policies !== null && policies.length > 0 && (
        <Table size="small" aria-labelledby="policies-title">
          <TableHead>
            <TableRow>
              <TableCell>Name</TableCell>
              <TableCell>Effect</TableCell>
              <TableCell>Actions</TableCell>
              <TableCell>Applies to</TableCell>
              {canDelete && (
                <TableCell>
                  <Box component="span" sx={visuallyHidden}>
                    Delete
                  </Box>
                </TableCell>
              )}
            </TableRow>
          </TableHead>
          <TableBody>
            {policies.map((policy) => (
              <TableRow key={policy.id}>
                <TableCell>{policy.name}</TableCell>
                <TableCell>
                  <Chip
                    size="small"
                    label={policy.effect}
                    color={policy.effect === 'deny' ? 'error' : 'success'}
                    variant="outlined"
                  />
                </TableCell>
                <TableCell>{policy.actions.join(', ')}</TableCell>
                <TableCell>
                  <PolicySubjects policy={policy} groups={groups} />
                </TableCell>
                {canDelete && (
                  <TableCell>
                    <IconButton
                      aria-label={`Delete policy ${policy.name}`}
                      onClick={() => void remove(policy)}
                    >
                      <DeleteIcon />
                    </IconButton>
                  </TableCell>
                )}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {canCreate && <NewPolicyForm applicationId={applicationId} onCreated={refetch} />}
    </Section>
  );
}

/** Asks the decision API what it would answer: may this person do this action here, and why. */
function CheckAccess() {
  const application = useRecordContext<Application>();
  const { canAccess } = useCanAccess({ action: 'check', resource: 'users' });
  const [user, setUser] = useState<User | null>(null);
  const [action, setAction] = useState('');
  const [answer, setAnswer] = useState<Decision | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  if (!application || canAccess !== true) return null;

  async function check(event: FormEvent) {
    event.preventDefault();
    if (!application || user === null) return;
    setAnswer(null);
    setFailure(null);
    try {
      const body = {
        checks: [
          {
            userId: user.id,
            action,
            resource: { type: 'application' as const, id: application.id },
          },
        ],
      };
      setAnswer(unwrap(await api.POST('/api/v1/authz/check', { body })).results[0]);
    } catch (error) {
      setFailure(messageOf(error));
    }
  }

  return (
    <Section id="check-title" title="Check access">
      <Stack
        component="form"
        aria-labelledby="check-title"
        direction={{ xs: 'column', sm: 'row' }}
        spacing={1}
        onSubmit={(event) => void check(event)}
        sx={{ maxWidth: 720 }}
      >
        <UserPicker label="Person" value={user} onChange={setUser} />
        <MuiTextField
          label="Action"
          size="small"
          required
          value={action}
          onChange={(event) => setAction(event.target.value)}
        />
        <MuiButton type="submit" variant="outlined" disabled={user === null}>
          Check
        </MuiButton>
      </Stack>
      <Box aria-live="polite" sx={{ mt: 1, maxWidth: 720 }}>
        {failure !== null && <Alert severity="error">{failure}</Alert>}
        {answer !== null && (
          <Alert severity={answer.allowed ? 'success' : 'warning'}>
            {answer.allowed ? 'Allowed' : 'Denied'}: {answer.reason}
          </Alert>
        )}
      </Box>
    </Section>
  );
}

export function ApplicationShow() {
  return (
    <Show>
      <SimpleShowLayout>
        <TextField source="name" />
        <TextField source="description" emptyText="—" />
        <FunctionField label="Owner" render={() => <OwnerName />} />
        <DateField source="createdAt" label="Created" showTime />
        <Assignments />
        <Policies />
        <CheckAccess />
      </SimpleShowLayout>
    </Show>
  );
}
