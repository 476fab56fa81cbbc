import {
  Alert,
  Box,
  Button as MuiButton,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  LinearProgress,
  MenuItem,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField as MuiTextField,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import {
  AutocompleteInput,
  Button,
  Datagrid,
  DateField,
  DateTimeInput,
  FunctionField,
  List,
  ReferenceInput,
  SelectInput,
  TextField,
  TextInput,
  TopToolbar,
  useCanAccess,
  useListContext,
  useRecordContext,
} from 'react-admin';
import { api, unwrap, type Schemas } from '../api/client';
import { CursorPagination } from '../data/CursorPagination';
import { downloadBlob } from '../download';
import { auditQuery, type AuditFilter } from './audit-query';

type AuditEvent = Schemas['AuditEventResponseDto'];
type Verification = Schemas['VerificationDto'];

const filters = [
  <DateTimeInput key="from" source="from" label="From" alwaysOn />,
  <DateTimeInput key="to" source="to" label="To" alwaysOn />,
  <TextInput key="action" source="action" label="Action" alwaysOn />,
  <SelectInput
    key="outcome"
    source="outcome"
    alwaysOn
    choices={[
      { id: 'success', name: 'Success' },
      { id: 'failure', name: 'Failure' },
    ]}
  />,
  <ReferenceInput key="actorId" source="actorId" reference="users">
    <AutocompleteInput label="Actor" optionText="username" />
  </ReferenceInput>,
  <TextInput key="targetType" source="targetType" label="Target type" />,
  <TextInput key="targetId" source="targetId" label="Target id" />,
];

function display(value: unknown): string {
  if (value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The event's changes as field, before, after (`{ field: { from, to } }`; anything else as it is). */
function ChangesPanel() {
  const event = useRecordContext<AuditEvent>();
  if (!event) return null;
  const changes = Object.entries(event.changes ?? {});
  return (
    <Box sx={{ p: 2 }}>
      {changes.length === 0 ? (
        <Typography variant="body2">No recorded changes.</Typography>
      ) : (
        <Table size="small" aria-label="Changes">
          <TableHead>
            <TableRow>
              <TableCell>Field</TableCell>
              <TableCell>Before</TableCell>
              <TableCell>After</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {changes.map(([field, change]) => {
              const pair =
                change !== null &&
                typeof change === 'object' &&
                ('from' in change || 'to' in change)
                  ? (change as { from?: unknown; to?: unknown })
                  : { to: change };
              return (
                <TableRow key={field}>
                  <TableCell component="th" scope="row">
                    {field}
                  </TableCell>
                  <TableCell sx={{ fontFamily: 'monospace' }}>{display(pair.from)}</TableCell>
                  <TableCell sx={{ fontFamily: 'monospace' }}>{display(pair.to)}</TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      <Typography variant="caption" sx={{ display: 'block', mt: 1, color: 'text.secondary' }}>
        Event {event.id} · request {event.requestId ?? '—'} · {event.userAgent ?? 'no user agent'}
        {event.reason ? ` · ${event.reason}` : ''}
      </Typography>
    </Box>
  );
}

/** Downloads the filtered trail as CSV, NDJSON or JSON, with the bytes received so far. */
function ExportControl() {
  const filterValues = useListContext().filterValues as AuditFilter;
  const { canAccess } = useCanAccess({ action: 'export', resource: 'audit' });
  const [format, setFormat] = useState<'csv' | 'ndjson' | 'json'>('csv');
  const [received, setReceived] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (!canAccess) return null;

  async function download() {
    setError(null);
    setReceived(0);
    try {
      const result = await api.GET('/api/v1/audit-events/export', {
        params: { query: { ...auditQuery(filterValues), format } },
        parseAs: 'stream',
      });
      // A refusal's body is still the problem document (openapi-fetch parses errors as JSON).
      if (!result.response.ok) unwrap(result);
      const body = result.data as ReadableStream<Uint8Array> | undefined;
      if (body === undefined) throw new Error('The export answered without a body.');
      const reader = body.getReader();
      const parts: Uint8Array[] = [];
      let total = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        total += value.length;
        setReceived(total);
      }
      const disposition = result.response.headers.get('content-disposition') ?? '';
      const filename = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? `audit.${format}`;
      const type = result.response.headers.get('content-type') ?? 'application/octet-stream';
      downloadBlob(new Blob(parts as BlobPart[], { type }), filename);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : 'The export failed.');
    } finally {
      setReceived(null);
    }
  }

  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
      <MuiTextField
        select
        size="small"
        label="Format"
        value={format}
        onChange={(event) => setFormat(event.target.value as typeof format)}
        sx={{ width: 120 }}
      >
        <MenuItem value="csv">CSV</MenuItem>
        <MenuItem value="ndjson">NDJSON</MenuItem>
        <MenuItem value="json">JSON</MenuItem>
      </MuiTextField>
      <Button label="Export" onClick={() => void download()} disabled={received !== null} />
      {received !== null && (
        <Typography variant="caption" role="status">
          {Math.round(received / 1024)} KiB received…
        </Typography>
      )}
      {error && (
        <Typography variant="caption" role="alert" sx={{ color: 'error.main' }}>
          {error}
        </Typography>
      )}
    </Box>
  );
}

/** Recomputes the organization's hash chain (GET /audit-events/verify) and says what it found. */
function VerifyControl() {
  const { canAccess } = useCanAccess({ action: 'list', resource: 'audit' });
  const [running, setRunning] = useState(false);
  const [answer, setAnswer] = useState<Verification | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (!canAccess) return null;

  async function verify() {
    setRunning(true);
    setError(null);
    setAnswer(null);
    try {
      setAnswer(unwrap(await api.GET('/api/v1/audit-events/verify')));
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : 'Verification failed.');
    } finally {
      setRunning(false);
    }
  }

  const open = running || answer !== null || error !== null;
  return (
    <>
      <Button label="Verify" onClick={() => void verify()} />
      <Dialog
        open={open}
        onClose={
          running
            ? undefined
            : () => {
                setAnswer(null);
                setError(null);
              }
        }
        aria-labelledby="verify-title"
      >
        <DialogTitle id="verify-title">Audit trail verification</DialogTitle>
        <DialogContent>
          {running && <LinearProgress aria-label="Verifying" />}
          {error && <Alert severity="error">{error}</Alert>}
          {answer && (
            <Alert severity={answer.valid ? 'success' : 'error'} data-testid="verification">
              {answer.valid
                ? `valid: ${answer.checked} events checked, the chain is intact`
                : `invalid: ${answer.firstInvalid?.reason ?? 'broken'} at event ${answer.firstInvalid?.seq ?? '?'} (${answer.checked} checked)`}
            </Alert>
          )}
        </DialogContent>
        <DialogActions>
          <MuiButton
            onClick={() => {
              setAnswer(null);
              setError(null);
            }}
            disabled={running}
          >
            Close
          </MuiButton>
        </DialogActions>
      </Dialog>
    </>
  );
}

const AuditActions = () => (
  <TopToolbar sx={{ alignItems: 'center' }}>
    <VerifyControl />
    <ExportControl />
  </TopToolbar>
);

export function AuditList() {
  return (
    <List
      filters={filters}
      actions={<AuditActions />}
      sort={{ field: 'occurredAt', order: 'DESC' }}
      perPage={50}
      pagination={<CursorPagination perPageChoices={[50, 100, 200]} />}
      empty={false}
      title="Audit trail"
    >
      <Datagrid bulkActionButtons={false} expand={<ChangesPanel />} rowClick="expand">
        <DateField source="occurredAt" label="When" showTime sortable={false} />
        <FunctionField<AuditEvent>
          label="Actor"
          render={(event) => event.actor.username ?? event.actor.email ?? event.actor.type}
        />
        <TextField source="action" sortable={false} />
        <FunctionField<AuditEvent>
          label="Target"
          render={(event) =>
            event.target.type ? `${event.target.type} ${event.target.id ?? ''}` : '—'
          }
        />
        <TextField source="outcome" sortable={false} />
        <TextField source="ip" label="IP" sortable={false} emptyText="—" />
      </Datagrid>
    </List>
  );
}
