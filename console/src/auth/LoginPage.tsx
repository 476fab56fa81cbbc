import { Alert, Box, Button, Card, CardContent, Stack, TextField, Typography } from '@mui/material';
import { type FormEvent, useState } from 'react';
import { useLogin } from 'react-admin';

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
    <Box
      component="main"
      sx={{ minHeight: '100vh', display: 'grid', placeItems: 'center', bgcolor: 'grey.100', p: 2 }}
    >
      <Card sx={{ width: '100%', maxWidth: 400 }}>
        <CardContent>
          <Typography component="h1" variant="h5" gutterBottom>
            Sign in to Warden
          </Typography>
          <Stack
            component="form"
            spacing={2}
            onSubmit={(event) => void submit(event)}
            aria-label="Sign in"
          >
            {error !== null && (
              <Alert severity="error" role="alert">
                {error}
              </Alert>
            )}
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
            <Button type="submit" variant="contained" disabled={busy}>
              {busy ? 'Signing in…' : 'Sign in'}
            </Button>
          </Stack>
        </CardContent>
      </Card>
    </Box>
  );
}
