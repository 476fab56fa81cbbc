import {
  Box,
  Chip,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import {
  ArrayInput,
  AutocompleteArrayInput,
  BooleanField,
  BooleanInput,
  CheckboxGroupInput,
  Create,
  Datagrid,
  DateField,
  Edit,
  FormDataConsumer,
  FunctionField,
  List,
  PasswordInput,
  RadioButtonGroupInput,
  SelectArrayInput,
  Show,
  SimpleForm,
  SimpleFormIterator,
  SimpleShowLayout,
  TextField,
  TextInput,
  TopToolbar,
  CreateButton,
  required,
  useGetList,
  useRecordContext,
} from 'react-admin';
import { Fragment, type ReactNode } from 'react';
import type { Schemas } from '../api/client';
import { CopyButton } from '../layout/CopyButton';
import { useGrantableRoleChoices } from '../users/grantable-roles';
import { SaveDeleteToolbar } from '../layout/SaveDeleteToolbar';

type Connection = Schemas['SsoConnectionResponseDto'];
type Group = Schemas['GroupResponseDto'];

/** Scopes are typed space- or comma-separated and stored as a list. */
const joinScopes = (scopes: string[] | undefined) => scopes?.join(' ') ?? '';
const splitScopes = (typed: string) => typed.split(/[\s,]+/).filter((scope) => scope !== '');

export function SsoConnectionList() {
  return (
    <List
      pagination={false}
      empty={false}
      actions={
        <TopToolbar>
          <CreateButton />
        </TopToolbar>
      }
    >
      <Datagrid rowClick="show" bulkActionButtons={false}>
        <TextField source="name" sortable={false} />
        <FunctionField<Connection>
          label="Protocol"
          render={(connection) => connection.protocol.toUpperCase()}
        />
        <BooleanField source="enabled" sortable={false} />
        <FunctionField<Connection>
          label="Mapping rules"
          render={(connection) => connection.mappings.length}
        />
        <DateField source="createdAt" label="Created" sortable={false} />
      </Datagrid>
    </List>
  );
}

/** A URL the IdP administrator needs, with a button that copies it. */
function UrlToCopy(props: { label: string; url: string }) {
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
      <Box component="code" sx={{ wordBreak: 'break-all', fontSize: 13 }}>
        {props.url}
      </Box>
      <CopyButton text={props.url} what={`the ${props.label}`} />
    </Stack>
  );
}

/** The protocol's own settings: the issuer and client of an OIDC provider, or what SAML exchanges. */
function ProviderSettings() {
  const connection = useRecordContext<Connection>();
  if (!connection) return null;
  const rows: Array<[string, ReactNode]> = connection.oidc
    ? [
        ['Issuer', connection.oidc.issuer],
        ['Client id', connection.oidc.clientId],
        ['Scopes', connection.oidc.scopes.join(' ')],
        ['Client secret', connection.oidc.clientSecretSet ? 'stored (never shown)' : 'none'],
      ]
    : connection.saml
      ? [
          ['IdP entity id', connection.saml.idpEntityId],
          ['IdP sign-on URL', connection.saml.ssoUrl],
          ['Signing certificates', String(connection.saml.certificates.length)],
          [
            'Service provider entity id',
            <UrlToCopy key="entity" label="entity id" url={connection.saml.spEntityId} />,
          ],
        ]
      : [];
  return (
    <Box
      component="dl"
      sx={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', gap: 1, m: 0 }}
    >
      {rows.map(([name, value]) => (
        <Fragment key={name}>
          <Typography component="dt" variant="body2" sx={{ color: 'text.secondary' }}>
            {name}
          </Typography>
          <Typography component="dd" variant="body2" sx={{ m: 0 }}>
            {value}
          </Typography>
        </Fragment>
      ))}
    </Box>
  );
}

function MappingsTable() {
  const connection = useRecordContext<Connection>();
  const { data: groups = [] } = useGetList<Group>('groups', {
    pagination: { page: 1, perPage: 1000 },
  });
  if (!connection) return null;
  if (connection.mappings.length === 0)
    return (
      <Typography variant="body2">No mapping rules: everyone gets the default roles.</Typography>
    );
  const groupName = (id: string) => groups.find((group) => group.id === id)?.name ?? id;
  return (
    <Table size="small" aria-label="Mapping rules">
      <TableHead>
        <TableRow>
          <TableCell>When the claim</TableCell>
          <TableCell>holds</TableCell>
          <TableCell>Roles</TableCell>
          <TableCell>Groups</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {connection.mappings.map((mapping, index) => (
          <TableRow key={index}>
            <TableCell>{mapping.claim}</TableCell>
            <TableCell>{mapping.value}</TableCell>
            <TableCell>
              {mapping.roles.map((role) => (
                <Chip key={role} label={role} size="small" sx={{ mr: 0.5 }} />
              ))}
            </TableCell>
            <TableCell>{mapping.groupIds.map(groupName).join(', ')}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

export function SsoConnectionShow() {
  return (
    <Show>
      <SimpleShowLayout>
        <TextField source="name" />
        <FunctionField<Connection>
          label="Protocol"
          render={(connection) => connection.protocol.toUpperCase()}
        />
        <BooleanField source="enabled" />
        <FunctionField<Connection>
          label="Callback URL (register it at the IdP as the redirect URI / ACS URL)"
          render={(connection) => <UrlToCopy label="callback URL" url={connection.callbackUrl} />}
        />
        <FunctionField<Connection>
          label="Sign-in starts at"
          render={(connection) => <UrlToCopy label="sign-in URL" url={connection.authorizeUrl} />}
        />
        <FunctionField label="Identity provider" render={() => <ProviderSettings />} />
        <FunctionField<Connection>
          label="Default roles"
          render={(connection) => connection.defaultRoles.join(', ')}
        />
        <TextField source="redirectUrl" label="Client page after sign-in" emptyText="—" />
        <FunctionField label="Mapping rules" render={() => <MappingsTable />} />
      </SimpleShowLayout>
    </Show>
  );
}

function RolesChoices({ source, label }: { source: string; label: string }) {
  const { choices } = useGrantableRoleChoices();
  return (
    <CheckboxGroupInput
      source={source}
      label={label}
      choices={choices}
      helperText="Only roles you may grant are offered"
    />
  );
}

function MappingInputs() {
  const { choices: roleChoices } = useGrantableRoleChoices();
  const { data: groups = [] } = useGetList<Group>('groups', {
    pagination: { page: 1, perPage: 1000 },
  });
  return (
    <ArrayInput source="mappings" label="Mapping rules (claim value → roles and groups)">
      <SimpleFormIterator inline disableReordering>
        <TextInput source="claim" label="Claim" validate={required()} helperText="e.g. groups" />
        <TextInput source="value" label="Value" validate={required()} />
        <SelectArrayInput source="roles" label="Roles" choices={roleChoices} />
        <AutocompleteArrayInput
          source="groupIds"
          label="Groups"
          choices={groups.map((group) => ({ id: group.id, name: group.name }))}
        />
      </SimpleFormIterator>
    </ArrayInput>
  );
}

/** The fields of one protocol; `editing` makes the secret optional (blank keeps the stored one). */
function ProtocolInputs({ editing }: { editing: boolean }) {
  return (
    <FormDataConsumer<{ protocol?: string }>>
      {({ formData }) =>
        formData.protocol === 'saml' ? (
          <Box>
            <Typography variant="body2" sx={{ mb: 1 }}>
              Paste the IdP&apos;s metadata, or give its entity id, sign-on URL and certificate.
              {editing && ' Leave both empty to keep the current settings.'}
            </Typography>
            <TextInput source="saml.metadataXml" label="IdP metadata (XML)" multiline minRows={3} />
            <TextInput source="saml.idpEntityId" label="IdP entity id" />
            <TextInput source="saml.ssoUrl" label="IdP sign-on URL" />
            <TextInput source="saml.certificate" label="IdP signing certificate (PEM)" multiline />
          </Box>
        ) : (
          <Box>
            <TextInput source="oidc.issuer" label="Issuer" validate={required()} />
            <TextInput source="oidc.clientId" label="Client id" validate={required()} />
            <PasswordInput
              source="oidc.clientSecret"
              label="Client secret"
              validate={editing ? undefined : required()}
              helperText={
                editing
                  ? 'Leave empty to keep the stored secret'
                  : 'Stored encrypted; never shown again'
              }
            />
            <TextInput
              source="oidc.scopes"
              label="Scopes"
              format={joinScopes}
              parse={splitScopes}
              helperText="Space-separated; openid is always asked for"
            />
          </Box>
        )
      }
    </FormDataConsumer>
  );
}

function CommonInputs() {
  return (
    <>
      <BooleanInput source="enabled" label="People may sign in through it" />
      <RolesChoices source="defaultRoles" label="Roles everyone signing in here holds" />
      <TextInput
        source="redirectUrl"
        label="Client page after sign-in (optional)"
        helperText="Receives ?code= for POST /auth/sso/token; the console does not need it"
      />
      <MappingInputs />
    </>
  );
}

export function SsoConnectionCreate() {
  return (
    <Create redirect="show">
      <SimpleForm defaultValues={{ protocol: 'oidc', enabled: true, defaultRoles: ['user'] }}>
        <TextInput source="name" validate={required()} />
        <RadioButtonGroupInput
          source="protocol"
          choices={[
            { id: 'oidc', name: 'OpenID Connect' },
            { id: 'saml', name: 'SAML 2.0' },
          ]}
        />
        <ProtocolInputs editing={false} />
        <CommonInputs />
      </SimpleForm>
    </Create>
  );
}

export function SsoConnectionEdit() {
  return (
    <Edit mutationMode="pessimistic" redirect="show">
      <SimpleForm toolbar={<SaveDeleteToolbar />}>
        <TextInput source="name" validate={required()} />
        <ProtocolInputs editing />
        <CommonInputs />
      </SimpleForm>
    </Edit>
  );
}
