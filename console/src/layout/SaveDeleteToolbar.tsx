import { DeleteButton, SaveButton, Toolbar } from 'react-admin';

/**
 * An edit form's buttons: save on the left, delete on the right, deleting only
 * once the API said yes (no optimistic removal of something that may be
 * refused). `canDelete` false leaves delete out (a form that also creates).
 */
export function SaveDeleteToolbar({ canDelete = true }: { canDelete?: boolean }) {
  return (
    <Toolbar sx={{ justifyContent: 'space-between' }}>
      <SaveButton />
      {canDelete && <DeleteButton mutationMode="pessimistic" />}
    </Toolbar>
  );
}
