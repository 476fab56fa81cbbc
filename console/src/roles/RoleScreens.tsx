import {
  Alert,
  Box,
  Card,
  CardContent,
  Chip,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import {
  BooleanField,
  Button,
  Create,
  CreateButton,
  Edit,
  EditButton,
  SimpleForm,
  TextInput,
  required,
  Datagrid,
  FunctionField,
  List,
  Show,
  SimpleShowLayout,
  TextField,
  Title,
  TopToolbar,
  useNotify,
  useRecordContext,
  useRedirect,
} from 'react-admin';
import { api, unwrap, type Schemas } from '../api/client';
import { downloadBlob } from '../download';
import { PermissionEditor } from './PermissionEditor';
import { SaveDeleteToolbar } from '../layout/SaveDeleteToolbar';

type Role = Schemas['RoleListItemDto'] & { id: string };
type MatrixRow = Schemas['MatrixRowDto'];

function MatrixButton() {
  const redirect = useRedirect();
  return <Button label="Permission matrix" onClick={() => redirect('/roles/matrix')} />;
}

/** Built-in roles are fixed: only custom ones may be edited or deleted. */
function CustomRoleActions() {
  const role = useRecordContext<Role>();
  if (!role || role.builtIn) return null;
  return (
    <TopToolbar>
      <EditButton />
    </TopToolbar>
  );
}

/** A key, a name, a description and the permission grid; the key is fixed once created. */
function RoleForm({ creating }: { creating: boolean }) {
  return (
    <SimpleForm toolbar={<SaveDeleteToolbar canDelete={!creating} />}>
      <TextInput
        source="key"
        readOnly={!creating}
        validate={creating ? [required(), roleKey] : undefined}
        helperText={creating ? ROLE_KEY_RULE : 'The key does not change'}
      />
      <TextInput source="name" validate={required()} />
      <TextInput source="description" multiline />
      <PermissionEditor />
    </SimpleForm>
  );
}

const ROLE_KEY_RULE = 'Lower-case letters, digits and _, starting with a letter (2-50)';
const roleKey = (value: string | undefined) =>
  value === undefined || /^[a-z][a-z0-9_]{1,49}$/.test(value) ? undefined : ROLE_KEY_RULE;

export function RoleCreate() {
  return (
    <Create redirect="show">
      <RoleForm creating />
    </Create>
  );
}

export function RoleEdit() {
  return (
    <Edit mutationMode="pessimistic" redirect="show">
      <RoleForm creating={false} />
    </Edit>
  );
}

export function RoleList() {
  return (
    <List
      pagination={false}
      empty={false}
      actions={
        <TopToolbar>
          <MatrixButton />
          <CreateButton />
        </TopToolbar>
      }
    >
      <Datagrid bulkActionButtons={false} rowClick="show">
        <TextField source="key" sortable={false} />
        <TextField source="name" sortable={false} />
        <TextField source="description" sortable={false} emptyText="—" />
        <BooleanField source="builtIn" label="Built in" sortable={false} />
        <BooleanField source="grantable" label="You may grant it" sortable={false} />
        <FunctionField<Role> label="Permissions" render={(role) => role.permissions.length} />
      </Datagrid>
    </List>
  );
}

function PermissionsTable() {
  const role = useRecordContext<Role>();
  if (!role) return null;
  return (
    <Table size="small" aria-label="Permissions">
      <TableHead>
        <TableRow>
          <TableCell>Subject</TableCell>
          <TableCell>Action</TableCell>
          <TableCell>Scope</TableCell>
          <TableCell>Fields</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {role.permissions.map((permission, index) => (
          <TableRow key={index}>
            <TableCell>{permission.subject}</TableCell>
            <TableCell>{permission.action}</TableCell>
            <TableCell>{permission.scope ?? 'all'}</TableCell>
            <TableCell>{permission.fields?.join(', ') ?? 'all'}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

export function RoleShow() {
  return (
    <Show actions={<CustomRoleActions />}>
      <SimpleShowLayout>
        <TextField source="key" />
        <TextField source="name" />
        <TextField source="description" emptyText="—" />
        <BooleanField source="builtIn" label="Built in" />
        <BooleanField source="grantable" label="You may grant it" />
        <PermissionsTable />
      </SimpleShowLayout>
    </Show>
  );
}

/** The built-in roles' matrix (GET /roles/matrix), as docs/permissions.md shows it, with its CSV. */
export function MatrixPage() {
  const notify = useNotify();
  const { data: rows, error } = useQuery({
    queryKey: ['roles', 'matrix'],
    // JSON is the default answer (CSV only for Accept: text/csv), so the union narrows to rows here.
    queryFn: async () => unwrap(await api.GET('/api/v1/roles/matrix')) as MatrixRow[],
  });
  // The API's order: the matrix's columns as docs/permissions.md prints them.
  const roles = Object.keys(rows?.[0]?.cells ?? {});

  async function downloadCsv() {
    try {
      const result = await api.GET('/api/v1/roles/matrix', {
        headers: { accept: 'text/csv' },
        parseAs: 'blob',
      });
      if (!result.response.ok) unwrap(result);
      downloadBlob(result.data as Blob, 'warden-permission-matrix.csv');
    } catch (failure) {
      notify(failure instanceof Error ? failure.message : 'The download failed.', {
        type: 'error',
      });
    }
  }

  return (
    <Card sx={{ mt: 2 }}>
      <Title title="Permission matrix" />
      <CardContent>
        <Box sx={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', mb: 1 }}>
          <Typography component="h2" variant="h6">
            What each built-in role may do
          </Typography>
          <Button label="Download CSV" onClick={() => void downloadCsv()} />
        </Box>
        {error && <Alert severity="error">{error.message}</Alert>}
        {rows && (
          // Scrolls on its own: focusable and named, so a keyboard can scroll it too.
          <TableContainer
            sx={{ maxHeight: '70vh' }}
            tabIndex={0}
            role="region"
            aria-label="Permission matrix, scrollable"
          >
            <Table size="small" stickyHeader aria-label="Permission matrix">
              <TableHead>
                <TableRow>
                  <TableCell>Permission</TableCell>
                  {roles.map((key) => (
                    <TableCell key={key}>{key}</TableCell>
                  ))}
                </TableRow>
              </TableHead>
              <TableBody>
                {rows.map((row) => (
                  <TableRow key={`${row.subject}-${row.action}`}>
                    <TableCell component="th" scope="row">
                      {row.subject} {row.action}
                    </TableCell>
                    {roles.map((key) => (
                      <TableCell key={key}>
                        {row.cells[key] === 'Y' ? (
                          <Chip size="small" color="success" variant="outlined" label="yes" />
                        ) : (
                          (row.cells[key] ?? '-')
                        )}
                      </TableCell>
                    ))}
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
        )}
      </CardContent>
    </Card>
  );
}
