import {
  Button as MuiButton,
  Checkbox,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  FormControlLabel,
  MenuItem,
  Stack,
  TextField,
} from '@mui/material';
import { type FormEvent, type ReactNode, useState } from 'react';
import {
  Button,
  useCanAccess,
  useGetList,
  useNotify,
  useRecordContext,
  useRedirect,
  useRefresh,
} from 'react-admin';
import { api, unwrap } from '../api/client';
import { forgetPages } from '../data/cursor-pages';
import { downloadJson } from '../download';
import { isLocked, type User } from './user-fields';

function ActionDialog(props: {
  open: boolean;
  title: string;
  confirm: string;
  danger?: boolean;
  busy: boolean;
  onClose: () => void;
  onConfirm: () => void;
  children: ReactNode;
}) {
  function submit(event: FormEvent) {
    event.preventDefault();
    props.onConfirm();
  }
  return (
    <Dialog
      open={props.open}
      onClose={props.busy ? undefined : props.onClose}
      aria-labelledby="action-title"
    >
      <form onSubmit={submit}>
        <DialogTitle id="action-title">{props.title}</DialogTitle>
        <DialogContent>{props.children}</DialogContent>
        <DialogActions>
          <MuiButton onClick={props.onClose} disabled={props.busy}>
            Cancel
          </MuiButton>
          <MuiButton
            type="submit"
            variant="contained"
            color={props.danger ? 'error' : 'primary'}
            disabled={props.busy}
          >
            {props.confirm}
          </MuiButton>
        </DialogActions>
      </form>
    </Dialog>
  );
}

/**
 * What an administrator does to one person beyond editing the form: reset the
 * password, deactivate or activate, lift a lock, export, delete. Each is
 * offered only when the person's rules allow it.
 */
export function UserActions() {
  const user = useRecordContext<User>();
  const notify = useNotify();
  const refresh = useRefresh();
  const redirect = useRedirect();
  const { canAccess: canUpdate } = useCanAccess({
    action: 'update',
    resource: 'users',
    record: user,
  });
  const { canAccess: canDelete } = useCanAccess({
    action: 'delete',
    resource: 'users',
    record: user,
  });
  // The export is a read of everything about the person (GET /users/{id}/export).
  const { canAccess: canExport } = useCanAccess({
    action: 'show',
    resource: 'users',
    record: user,
  });
  const [open, setOpen] = useState<'password' | 'delete' | null>(null);
  const [busy, setBusy] = useState(false);
  const [password, setPassword] = useState('');
  const [revokeSessions, setRevokeSessions] = useState(true);
  const [transferTo, setTransferTo] = useState('');
  const { data: owners = [] } = useGetList<User>(
    'users',
    { pagination: { page: 1, perPage: 100 }, filter: { status: 'active' } },
    { enabled: open === 'delete' },
  );
  if (!user) return null;
  const { username } = user;
  const path = { id: user.id };

  async function act(work: () => Promise<unknown>, done: string) {
    setBusy(true);
    try {
      await work();
      notify(done, { type: 'success' });
      setOpen(null);
      forgetPages('users');
      refresh();
    } catch (error) {
      notify(error instanceof Error ? error.message : 'The action failed.', { type: 'error' });
    } finally {
      setBusy(false);
    }
  }

  async function exportJson() {
    try {
      const document = unwrap(await api.GET('/api/v1/users/{id}/export', { params: { path } }));
      downloadJson(document, `user-${username}.json`);
    } catch (error) {
      notify(error instanceof Error ? error.message : 'Export failed.', { type: 'error' });
    }
  }

  async function remove() {
    setBusy(true);
    try {
      unwrap(
        await api.DELETE('/api/v1/users/{id}', {
          params: { path, query: { transferOwnershipTo: transferTo || undefined } },
        }),
      );
      notify(`${username} is deleted.`, { type: 'success' });
      forgetPages('users');
      setOpen(null);
      redirect('list', 'users');
    } catch (error) {
      notify(error instanceof Error ? error.message : 'Delete failed.', { type: 'error' });
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      {canUpdate && <Button label="Reset password" onClick={() => setOpen('password')} />}
      {canUpdate && user.status === 'active' && (
        <Button
          label="Deactivate"
          onClick={() =>
            void act(
              async () =>
                unwrap(await api.POST('/api/v1/users/{id}/deactivate', { params: { path } })),
              `${user.username} is deactivated; their sessions are revoked.`,
            )
          }
        />
      )}
      {canUpdate && user.status === 'inactive' && (
        <Button
          label="Activate"
          onClick={() =>
            void act(
              async () =>
                unwrap(await api.POST('/api/v1/users/{id}/activate', { params: { path } })),
              `${user.username} is active again.`,
            )
          }
        />
      )}
      {canUpdate && isLocked(user) && (
        <Button
          label="Unlock"
          onClick={() =>
            void act(
              async () => unwrap(await api.POST('/api/v1/users/{id}/unlock', { params: { path } })),
              `${user.username} can sign in again.`,
            )
          }
        />
      )}
      {canExport && <Button label="Export JSON" onClick={() => void exportJson()} />}
      {canDelete && <Button label="Delete" color="error" onClick={() => setOpen('delete')} />}

      <ActionDialog
        open={open === 'password'}
        title={`Reset the password of ${user.username}`}
        confirm="Set password"
        busy={busy}
        onClose={() => setOpen(null)}
        onConfirm={() =>
          void act(
            async () =>
              unwrap(
                await api.POST('/api/v1/users/{id}/password', {
                  params: { path },
                  body: { password, revokeSessions },
                }),
              ),
            revokeSessions
              ? 'Password set; every session of theirs is signed out.'
              : 'Password set.',
          ).then(() => setPassword(''))
        }
      >
        <Stack spacing={2} sx={{ pt: 1 }}>
          <TextField
            label="New password"
            type="password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            required
            autoFocus
            autoComplete="new-password"
          />
          <FormControlLabel
            control={
              <Checkbox
                checked={revokeSessions}
                onChange={(event) => setRevokeSessions(event.target.checked)}
              />
            }
            label="Sign them out everywhere"
          />
        </Stack>
      </ActionDialog>

      <ActionDialog
        open={open === 'delete'}
        title={`Delete ${user.username}?`}
        confirm="Delete permanently"
        danger
        busy={busy}
        onClose={() => setOpen(null)}
        onConfirm={() => void remove()}
      >
        <DialogContentText>
          This cannot be undone. Applications they own go to the person chosen below (required when
          they own any).
        </DialogContentText>
        <TextField
          select
          fullWidth
          sx={{ mt: 2 }}
          label="Transfer ownership to"
          value={transferTo}
          onChange={(event) => setTransferTo(event.target.value)}
        >
          <MenuItem value="">Nobody</MenuItem>
          {owners
            .filter((candidate) => candidate.id !== user.id)
            .map((candidate) => (
              <MenuItem key={candidate.id} value={candidate.id}>
                {candidate.username}
              </MenuItem>
            ))}
        </TextField>
      </ActionDialog>
    </>
  );
}
