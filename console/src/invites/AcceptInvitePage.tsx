import { TextField } from '@mui/material';
import { type FormEvent, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { publicApi, unwrap } from '../api/client';
import { startSession } from '../auth/auth-provider';
import { PublicForm } from '../layout/PublicForm';

/**
 * Where an invite mail's link lands (/console/accept-invite?token=…): the
 * invited person chooses a username and password, and is signed in.
 */
export function AcceptInvitePage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const token = params.get('token') ?? '';
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const accepted = unwrap(
        await publicApi.POST('/api/v1/invites/accept', {
          body: { token, username, password, displayName: displayName || undefined },
        }),
      );
      await startSession(accepted);
      void navigate('/users', { replace: true });
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : 'The invite could not be accepted.');
      setBusy(false);
    }
  }

  return (
    <PublicForm
      title="Join your organization on Warden"
      formLabel="Accept invite"
      submitLabel="Accept invite"
      busyLabel="Joining…"
      busy={busy}
      error={
        token === '' ? 'This link has no invite token. Open the link from the invite mail.' : error
      }
      onSubmit={(event) => void submit(event)}
    >
      <TextField
        label="Username"
        name="username"
        value={username}
        onChange={(event) => setUsername(event.target.value)}
        required
        autoFocus
        autoComplete="username"
      />
      <TextField
        label="Display name"
        name="displayName"
        value={displayName}
        onChange={(event) => setDisplayName(event.target.value)}
        autoComplete="name"
      />
      <TextField
        label="Password"
        name="password"
        type="password"
        value={password}
        onChange={(event) => setPassword(event.target.value)}
        required
        autoComplete="new-password"
      />
    </PublicForm>
  );
}
