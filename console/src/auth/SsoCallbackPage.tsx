import { Alert, Box, CircularProgress, Stack } from '@mui/material';
import { useEffect, useRef, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { publicApi, unwrap, type Schemas } from '../api/client';
import { PublicForm } from '../layout/PublicForm';
import { authProvider, startSession } from './auth-provider';
import { SecondFactorForm } from './LoginPage';
import { takeReturnPath } from './return-path';

type Challenge = Schemas['MfaChallengeResponseDto'];

/**
 * Where an SSO sign-in started in the console ends (authorize?client=console):
 * exchanges the one-time code for tokens (POST /auth/sso/token), asks for the
 * second factor when the organization wants one after SSO, then returns to the
 * page the person was on.
 */
export function SsoCallbackPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [challenge, setChallenge] = useState<Challenge | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const exchanged = useRef(false);

  const done = () => void navigate(takeReturnPath(), { replace: true });

  useEffect(() => {
    // The code works once: React's development double effects must not spend it twice.
    if (exchanged.current) return;
    exchanged.current = true;
    const code = params.get('code') ?? '';
    void (async () => {
      try {
        const answer = unwrap(await publicApi.POST('/api/v1/auth/sso/token', { body: { code } }));
        if ('mfaRequired' in answer) setChallenge(answer);
        else {
          await startSession(answer);
          done();
        }
      } catch (failure) {
        setError(failure instanceof Error ? failure.message : 'Single sign-on failed.');
      }
    })();
    // Runs once, for the code this page was opened with.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  if (challenge !== null) {
    return (
      <SecondFactorForm
        challenge={challenge}
        busy={busy}
        error={error}
        onSubmit={(proof) => {
          setBusy(true);
          setError(null);
          authProvider
            .login({ challengeToken: challenge.challengeToken, ...proof })
            .then(done, (failure: unknown) => {
              setError(failure instanceof Error ? failure.message : 'Sign-in failed.');
              setBusy(false);
            });
        }}
        onRestart={() => void navigate('/login', { replace: true })}
      />
    );
  }
  if (error !== null) {
    return (
      <PublicForm
        title="Single sign-on"
        formLabel="Single sign-on"
        submitLabel="Back to sign-in"
        busyLabel=""
        busy={false}
        error={error}
        onSubmit={(event) => {
          event.preventDefault();
          void navigate('/login', { replace: true });
        }}
      >
        {null}
      </PublicForm>
    );
  }
  return (
    <Box component="main" sx={{ minHeight: '100vh', display: 'grid', placeItems: 'center' }}>
      <Stack spacing={2} sx={{ alignItems: 'center' }}>
        <CircularProgress aria-label="Signing in" />
        <Alert severity="info" role="status">
          Signing you in…
        </Alert>
      </Stack>
    </Box>
  );
}
