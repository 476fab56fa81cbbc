import { TextField } from '@mui/material';
import { type FormEvent, useState } from 'react';
import { useLogin } from 'react-admin';
import { PublicForm } from '../layout/PublicForm';

const ORGANIZATION_KEY = 'warden.organization';

/** Password sign-in: organization slug, username or email, password. */
export function LoginPage() {
  const login = useLogin();
  const [organization, setOrganization] = useState(
    () => localStorage.getItem(ORGANIZATION_KEY) ?? 'default',
  );
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // Not a secret: remembered so the next sign-in needs only the person's own fields.
      localStorage.setItem(ORGANIZATION_KEY, organization);
      await login({ organization, username, password });
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : 'Sign-in failed.');
      setBusy(false);
    }
  }

  return (
    <PublicForm
      title="Sign in to Warden"
      formLabel="Sign in"
      submitLabel="Sign in"
      busyLabel="Signing in…"
      busy={busy}
      error={error}
      onSubmit={(event) => void submit(event)}
    >
      <TextField
        label="Organization"
        name="organization"
        value={organization}
        onChange={(event) => setOrganization(event.target.value)}
        required
        autoComplete="organization"
      />
      <TextField
        label="Username or email"
        name="username"
        value={username}
        onChange={(event) => setUsername(event.target.value)}
        required
        autoFocus
        autoComplete="username"
      />
      <TextField
        label="Password"
        name="password"
        type="password"
        value={password}
        onChange={(event) => setPassword(event.target.value)}
        required
        autoComplete="current-password"
      />
    </PublicForm>
  );
}
