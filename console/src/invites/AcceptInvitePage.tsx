import { Alert, Box, Button, Card, CardContent, Stack, TextField, Typography } from '@mui/material';
import { type FormEvent, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { publicApi, unwrap } from '../api/client';
import { startSession } from '../auth/auth-provider';

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
    <Box
      component="main"
      sx={{ minHeight: '100vh', display: 'grid', placeItems: 'center', bgcolor: 'grey.100', p: 2 }}
    >
      <Card sx={{ width: '100%', maxWidth: 420 }}>
        <CardContent>
          <Typography component="h1" variant="h5" gutterBottom>
            Join your organization on Warden
          </Typography>
          {token === '' ? (
            <Alert severity="error" role="alert">
              This link has no invite token. Open the link from the invite mail.
            </Alert>
          ) : (
            <Stack
              component="form"
              spacing={2}
              onSubmit={(event) => void submit(event)}
              aria-label="Accept invite"
            >
              {error !== null && (
                <Alert severity="error" role="alert">
                  {error}
                </Alert>
              )}
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
              <Button type="submit" variant="contained" disabled={busy}>
                {busy ? 'Joining…' : 'Accept invite'}
              </Button>
            </Stack>
          )}
        </CardContent>
      </Card>
    </Box>
  );
}
