import { Alert, Button, Divider, Link, Stack, TextField } from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { useLogin } from 'react-admin';
import { useLocation } from 'react-router-dom';
import { publicApi, unwrap } from '../api/client';
import { PublicForm } from '../layout/PublicForm';
import { SecondFactorRequired } from './auth-provider';
import { rememberReturnPath } from './return-path';

const ORGANIZATION_KEY = 'warden.organization';

type Challenge = SecondFactorRequired['challenge'];

/** The organization's SSO connections, asked for once the slug has stopped changing. */
function useSsoConnections(organization: string) {
  const [slug, setSlug] = useState(organization);
  useEffect(() => {
    const timer = setTimeout(() => setSlug(organization.trim()), 300);
    return () => clearTimeout(timer);
  }, [organization]);
  const { data = [] } = useQuery({
    queryKey: ['sso-connections', slug],
    enabled: slug !== '',
    staleTime: 60_000,
    queryFn: async () =>
      unwrap(
        await publicApi.GET('/api/v1/auth/sso/connections', {
          params: { query: { organization: slug } },
        }),
      ).items,
  });
  return data;
}

/** One button per connection; the browser leaves for the IdP and comes back to /sso-callback. */
function SsoButtons(props: { organization: string; returnPath: string }) {
  const connections = useSsoConnections(props.organization);
  if (connections.length === 0) return null;
  return (
    <Stack spacing={1} component="nav" aria-label="Single sign-on">
      <Divider>or</Divider>
      {connections.map((connection) => (
        <Button
          key={connection.id}
          variant="outlined"
          href={`${connection.authorizeUrl}?client=console`}
          onClick={() => rememberReturnPath(props.returnPath)}
        >
          Sign in with {connection.name}
        </Button>
      ))}
    </Stack>
  );
}

/**
 * Password sign-in: organization slug, username or email, password; then, for
 * an account with a second factor, a code from the authenticator app or one of
 * its recovery codes.
 */
export function LoginPage() {
  const login = useLogin();
  // Where react-admin was going when it asked for sign-in: SSO comes back there too.
  const location = useLocation() as { state?: { nextPathname?: string; nextSearch?: string } };
  const returnPath = `${location.state?.nextPathname ?? '/'}${location.state?.nextSearch ?? ''}`;
  const [organization, setOrganization] = useState(
    () => localStorage.getItem(ORGANIZATION_KEY) ?? 'default',
  );
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [challenge, setChallenge] = useState<Challenge | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function signIn(params: Parameters<typeof login>[0]) {
    setBusy(true);
    setError(null);
    try {
      await login(params);
    } catch (failure) {
      if (failure instanceof SecondFactorRequired) setChallenge(failure.challenge);
      else setError(failure instanceof Error ? failure.message : 'Sign-in failed.');
      setBusy(false);
    }
  }

  if (challenge !== null) {
    return (
      <SecondFactorForm
        challenge={challenge}
        busy={busy}
        error={error}
        onSubmit={(proof) => void signIn({ challengeToken: challenge.challengeToken, ...proof })}
        onRestart={() => {
          setChallenge(null);
          setPassword('');
          setError(null);
        }}
      />
    );
  }

  return (
    <PublicForm
      title="Sign in to Warden"
      formLabel="Sign in"
      submitLabel="Sign in"
      busyLabel="Signing in…"
      busy={busy}
      error={error}
      footer={<SsoButtons organization={organization} returnPath={returnPath} />}
      onSubmit={(event) => {
        event.preventDefault();
        // Not a secret: remembered so the next sign-in needs only the person's own fields.
        localStorage.setItem(ORGANIZATION_KEY, organization);
        void signIn({ organization, username, password });
      }}
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

/** The second step: a TOTP code, or (the phone is lost) a recovery code. */
export function SecondFactorForm(props: {
  challenge: Challenge;
  busy: boolean;
  error: string | null;
  onSubmit: (proof: { code?: string; recoveryCode?: string }) => void;
  onRestart: () => void;
}) {
  const methods = props.challenge.methods;
  const [useRecovery, setUseRecovery] = useState(!methods.includes('totp'));
  const [value, setValue] = useState('');

  function submit(event: FormEvent) {
    event.preventDefault();
    props.onSubmit(useRecovery ? { recoveryCode: value.trim() } : { code: value.trim() });
  }

  const canType = methods.includes('totp') || methods.includes('recovery_code');
  return (
    <PublicForm
      title="Second factor"
      formLabel="Second factor"
      submitLabel="Verify"
      busyLabel="Verifying…"
      busy={props.busy || !canType}
      error={props.error}
      onSubmit={submit}
      footer={
        <>
          {methods.includes('totp') && methods.includes('recovery_code') && (
            <Link
              component="button"
              type="button"
              onClick={() => {
                setUseRecovery(!useRecovery);
                setValue('');
              }}
            >
              {useRecovery
                ? 'Use a code from your authenticator app'
                : 'Use a recovery code instead'}
            </Link>
          )}
          <Link component="button" type="button" onClick={props.onRestart}>
            Start again
          </Link>
        </>
      }
    >
      {!canType && (
        <Alert severity="info">
          This account signs in with a security key only, which the console does not ask for yet.
          Sign in through the API or add an authenticator app.
        </Alert>
      )}
      {canType && (
        <TextField
          key={useRecovery ? 'recovery' : 'totp'}
          label={useRecovery ? 'Recovery code' : 'Code from your authenticator app'}
          name={useRecovery ? 'recoveryCode' : 'code'}
          value={value}
          onChange={(event) => setValue(event.target.value)}
          required
          autoFocus
          autoComplete="one-time-code"
          slotProps={{
            htmlInput: useRecovery ? {} : { inputMode: 'numeric', pattern: '[0-9]{6}' },
          }}
        />
      )}
    </PublicForm>
  );
}
