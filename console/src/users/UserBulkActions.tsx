import {
  Button as MuiButton,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  LinearProgress,
  List as MuiList,
  ListItem,
  ListItemText,
} from '@mui/material';
import { useState } from 'react';
import { Button, useGetMany, useListContext, useRefresh, useUnselectAll } from 'react-admin';
import { api, unwrap, type Schemas } from '../api/client';
import { forgetPages } from '../data/cursor-pages';
import type { User } from './user-fields';

type Action = 'activate' | 'deactivate' | 'delete';
type Result = Schemas['BulkResponseDto']['results'][number];

const LABEL: Record<Action, string> = {
  activate: 'Activate',
  deactivate: 'Deactivate',
  delete: 'Delete',
};

/**
 * Bulk activate, deactivate or delete: one request, and the API's answer for
 * each person shown (some may be refused while the others go through).
 */
export function UserBulkActions() {
  const { selectedIds } = useListContext<User>();
  const unselectAll = useUnselectAll('users');
  const refresh = useRefresh();
  const [pending, setPending] = useState<Action | null>(null);
  const [running, setRunning] = useState(false);
  const [results, setResults] = useState<Result[] | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const { data: selected = [] } = useGetMany<User>('users', { ids: selectedIds });
  const nameOf = (id: string) => selected.find((user) => user.id === id)?.username ?? id;

  async function run(action: Action) {
    setRunning(true);
    setFailure(null);
    try {
      const answer = unwrap(
        await api.POST('/api/v1/users/bulk', {
          body: { action, userIds: selectedIds.map(String) },
        }),
      );
      setResults(answer.results);
      forgetPages('users');
    } catch (error) {
      setFailure(error instanceof Error ? error.message : 'The bulk action failed.');
    } finally {
      setRunning(false);
    }
  }

  function close() {
    setPending(null);
    setResults(null);
    setFailure(null);
    unselectAll();
    refresh();
  }

  return (
    <>
      {(Object.keys(LABEL) as Action[]).map((action) => (
        <Button key={action} label={LABEL[action]} onClick={() => setPending(action)} />
      ))}
      <Dialog
        open={pending !== null}
        onClose={running ? undefined : close}
        aria-labelledby="bulk-title"
      >
        <DialogTitle id="bulk-title">
          {pending && `${LABEL[pending]} ${selectedIds.length} user(s)`}
        </DialogTitle>
        <DialogContent>
          {running && <LinearProgress aria-label="Working" />}
          {failure && <p role="alert">{failure}</p>}
          {results === null && !running && (
            <p>
              {pending === 'delete'
                ? 'Deleting cannot be undone.'
                : 'Each person is handled on their own; the result for each is shown.'}
            </p>
          )}
          {results !== null && (
            <MuiList dense aria-label="Results">
              {results.map((result) => (
                <ListItem key={result.id} data-testid="bulk-result">
                  <ListItemText
                    primary={`${nameOf(result.id)}: ${result.ok ? 'done' : 'refused'}`}
                    secondary={result.ok ? undefined : result.problem?.detail}
                  />
                </ListItem>
              ))}
            </MuiList>
          )}
        </DialogContent>
        <DialogActions>
          {results === null ? (
            <>
              <MuiButton onClick={close} disabled={running}>
                Cancel
              </MuiButton>
              <MuiButton
                onClick={() => pending && void run(pending)}
                disabled={running}
                color={pending === 'delete' ? 'error' : 'primary'}
                variant="contained"
              >
                {pending && LABEL[pending]}
              </MuiButton>
            </>
          ) : (
            <MuiButton onClick={close} variant="contained">
              Close
            </MuiButton>
          )}
        </DialogActions>
      </Dialog>
    </>
  );
}
