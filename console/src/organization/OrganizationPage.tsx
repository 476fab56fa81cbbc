import { Typography } from '@mui/material';
import {
  BooleanInput,
  Labeled,
  TextField,
  Edit,
  NumberInput,
  SaveButton,
  SelectInput,
  SimpleForm,
  TextInput,
  Toolbar,
  maxValue,
  minValue,
  required,
  useCanAccess,
  useNotify,
} from 'react-admin';

/** Whole numbers within what the API accepts (OrganizationSettingsDto), so a slip is caught before saving. */
const between = (min: number, max: number) => [required(), minValue(min), maxValue(max)];

const MFA_CHOICES = [
  { id: 'off', name: 'Nobody (each person decides)' },
  { id: 'admins', name: 'Every role above User' },
  { id: 'everyone', name: 'Everyone' },
];

function Heading({ children }: { children: string }) {
  return (
    <Typography component="h2" variant="h6" sx={{ mt: 2 }}>
      {children}
    </Typography>
  );
}

/**
 * The organization's name and settings (GET/PATCH /organization). Everyone may
 * read them; only those who may update the organization get a save button.
 */
export function OrganizationPage() {
  const notify = useNotify();
  const { canAccess } = useCanAccess({ action: 'update', resource: 'organization' });
  const readOnly = canAccess !== true;
  return (
    <Edit
      resource="organization"
      id="current"
      redirect={false}
      mutationMode="pessimistic"
      title="Organization"
      actions={false}
      mutationOptions={{
        onSuccess: () => notify('Organization settings saved.', { type: 'success' }),
      }}
      // Reading is everyone's (GET /organization); the save button is what the update right adds.
      disableAuthentication
    >
      <SimpleForm
        toolbar={
          readOnly ? (
            false
          ) : (
            <Toolbar>
              <SaveButton />
            </Toolbar>
          )
        }
        sx={{ maxWidth: 640 }}
      >
        <Labeled label="Slug (typed at sign-in; it does not change)">
          <TextField source="slug" />
        </Labeled>
        <TextInput readOnly={readOnly} source="name" validate={required()} />
        <Heading>Sign-in</Heading>
        <NumberInput
          readOnly={readOnly}
          source="settings.passwordMinLength"
          label="Minimum password length"
          validate={between(6, 128)}
        />
        <SelectInput
          readOnly={readOnly}
          source="settings.mfaRequired"
          label="Second factor required for"
          choices={MFA_CHOICES}
          validate={required()}
        />
        <BooleanInput
          readOnly={readOnly}
          source="settings.passkeySignIn"
          label="Sign in with a passkey alone"
        />
        <BooleanInput
          readOnly={readOnly}
          source="settings.allowRegistration"
          label="Anyone may register"
        />
        <BooleanInput
          readOnly={readOnly}
          source="settings.ssoEnforced"
          label="Sign in through SSO only (no passwords)"
        />
        <BooleanInput
          readOnly={readOnly}
          source="settings.mfaForSso"
          label="SSO sign-ins also answer Warden's second factor"
        />
        <Heading>Sessions and tokens</Heading>
        <NumberInput
          readOnly={readOnly}
          source="settings.accessTokenTtlSeconds"
          label="Access token lifetime (seconds)"
          validate={between(60, 86_400)}
        />
        <NumberInput
          readOnly={readOnly}
          source="settings.sessionIdleTtlSeconds"
          label="Session ends after idle (seconds)"
          validate={between(300, 31_536_000)}
        />
        <NumberInput
          readOnly={readOnly}
          source="settings.sessionAbsoluteTtlSeconds"
          label="Session ends at the latest after (seconds)"
          validate={between(300, 31_536_000)}
        />
        <Heading>Audit</Heading>
        <NumberInput
          readOnly={readOnly}
          source="settings.auditRetentionDays"
          label="Keep audit events (days)"
          validate={between(1, 3650)}
        />
      </SimpleForm>
    </Edit>
  );
}
