import {
  Alert,
  Box,
  Button as MuiButton,
  Card,
  CardContent,
  Chip,
  MenuItem,
  Stack,
  TextField as MuiTextField,
  Typography,
} from '@mui/material';
import { type FormEvent, useState } from 'react';
import {
  Button,
  Datagrid,
  DateField,
  FunctionField,
  List,
  SelectInput,
  TextField,
  Title,
  useCanAccess,
  useNotify,
  useRecordContext,
  useRefresh,
} from 'react-admin';
import { api, unwrap, type Schemas } from '../api/client';
import { useGrantableRoleChoices } from '../users/grantable-roles';
import { CopyButton } from '../layout/CopyButton';

type ApiKey = Schemas['ApiKeyResponseDto'];
type CreatedKey = Schemas['CreatedApiKeyDto'];

const SYSTEM_KEY = { userId: null, type: 'system' };

function RevokeKey(_props: { label?: string }) {
  const key = useRecordContext<ApiKey>();
  const notify = useNotify();
  const refresh = useRefresh();
  const { canAccess } = useCanAccess({ action: 'revoke', resource: 'api-keys', record: key });
  if (!key || key.revokedAt !== null || !canAccess) return null;
  return (
    <Button
      label="Revoke"
      color="error"
      aria-label={`Revoke the key ${key.name}`}
      onClick={() =>
        void (async () => {
          try {
            unwrap(await api.DELETE('/api/v1/api-keys/{id}', { params: { path: { id: key.id } } }));
            notify(`The key ${key.name} is revoked: it stops working on its next request.`, {
              type: 'success',
            });
            refresh();
          } catch (error) {
            notify(error instanceof Error ? error.message : 'Revoking failed.', { type: 'error' });
          }
        })()
      }
    />
  );
}

/** The new key's secret, shown this once, with a copy button. */
function SecretOnce({ created, onDone }: { created: CreatedKey; onDone: () => void }) {
  return (
    <Alert severity="warning" sx={{ mb: 2 }} role="status">
      <Typography variant="body2" gutterBottom>
        Copy the key <strong>{created.name}</strong> now: Warden keeps only its hash and cannot show
        it again.
      </Typography>
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
        <Box component="code" data-testid="new-key" sx={{ wordBreak: 'break-all', fontSize: 13 }}>
          {created.key}
        </Box>
        <CopyButton text={created.key} />
        <MuiButton size="small" onClick={onDone}>
          Done
        </MuiButton>
      </Stack>
    </Alert>
  );
}

function NewKeyForm({ onCreated }: { onCreated: (key: CreatedKey) => void }) {
  // An organization key belongs to nobody: creating one is `create` on a key without an owner.
  const { canAccess: canCreateSystem } = useCanAccess({
    action: 'create',
    resource: 'api-keys',
    record: SYSTEM_KEY,
  });
  const { choices } = useGrantableRoleChoices();
  const [name, setName] = useState('');
  const [type, setType] = useState<'personal' | 'system'>('personal');
  const [role, setRole] = useState('');
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const body: Schemas['CreateApiKeyDto'] =
        type === 'system' ? { name, type, roles: role ? [role] : undefined } : { name, type };
      onCreated(unwrap(await api.POST('/api/v1/api-keys', { body })));
      setName('');
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : 'The key could not be created.');
    }
  }

  return (
    <Card sx={{ mb: 2 }}>
      <CardContent>
        <Typography component="h2" variant="h6" gutterBottom>
          New API key
        </Typography>
        <Stack
          component="form"
          direction={{ xs: 'column', md: 'row' }}
          spacing={2}
          onSubmit={(event) => void submit(event)}
          aria-label="New API key"
        >
          <MuiTextField
            label="Name"
            value={name}
            onChange={(event) => setName(event.target.value)}
            required
            size="small"
          />
          {canCreateSystem && (
            <MuiTextField
              select
              label="Kind"
              value={type}
              onChange={(event) => setType(event.target.value as typeof type)}
              size="small"
              sx={{ minWidth: 200 }}
            >
              <MenuItem value="personal">Personal (acts as you)</MenuItem>
              <MenuItem value="system">Organization (its own roles)</MenuItem>
            </MuiTextField>
          )}
          {type === 'system' && (
            <MuiTextField
              select
              label="Role"
              value={role}
              onChange={(event) => setRole(event.target.value)}
              size="small"
              sx={{ minWidth: 160 }}
            >
              {choices.map((choice) => (
                <MenuItem key={choice.id} value={choice.id}>
                  {choice.name}
                </MenuItem>
              ))}
            </MuiTextField>
          )}
          <MuiButton type="submit" variant="contained">
            Create key
          </MuiButton>
        </Stack>
        {error && (
          <Alert severity="error" sx={{ mt: 2 }}>
            {error}
          </Alert>
        )}
      </CardContent>
    </Card>
  );
}

const filters = [
  <SelectInput
    key="type"
    source="type"
    alwaysOn
    choices={[
      { id: 'personal', name: 'Personal' },
      { id: 'system', name: 'Organization' },
    ]}
  />,
];

export function ApiKeyList() {
  const refresh = useRefresh();
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const { canAccess: canCreate } = useCanAccess({ action: 'create', resource: 'api-keys' });
  return (
    <Box>
      <Title title="API keys" />
      <Box sx={{ mt: 2 }}>
        {created && <SecretOnce created={created} onDone={() => setCreated(null)} />}
        {canCreate && (
          <NewKeyForm
            onCreated={(key) => {
              setCreated(key);
              refresh();
            }}
          />
        )}
      </Box>
      <List filters={filters} pagination={false} empty={false} title=" " actions={false}>
        <Datagrid bulkActionButtons={false} rowClick={false}>
          <TextField source="name" sortable={false} />
          <FunctionField<ApiKey>
            label="Kind"
            render={(key) => (
              <Stack direction="row" spacing={0.5}>
                <Chip
                  size="small"
                  variant="outlined"
                  label={key.type === 'system' ? 'organization' : 'personal'}
                />
                {key.scim && <Chip size="small" label="SCIM" />}
                {key.revokedAt !== null && <Chip size="small" label="revoked" />}
              </Stack>
            )}
          />
          <FunctionField<ApiKey> label="Key" render={(key) => `${key.prefix}…`} />
          <FunctionField<ApiKey>
            label="Roles"
            render={(key) => key.roles?.join(', ') ?? 'as its owner'}
          />
          <DateField source="createdAt" label="Created" sortable={false} />
          <DateField
            source="lastUsedAt"
            label="Last used"
            showTime
            sortable={false}
            emptyText="never"
          />
          <DateField source="expiresAt" label="Expires" sortable={false} emptyText="never" />
          <RevokeKey label="Actions" />
        </Datagrid>
      </List>
    </Box>
  );
}
