import {
  CheckboxGroupInput,
  Edit,
  SaveButton,
  SimpleForm,
  Toolbar,
  TextInput,
  TopToolbar,
  email,
  required,
  useRecordContext,
} from 'react-admin';
import { useGrantableRoleChoices } from './grantable-roles';
import { UserActions } from './UserActions';
import type { User } from './user-fields';

function RolesInput() {
  const user = useRecordContext<User>();
  const { choices } = useGrantableRoleChoices(user?.roles ?? []);
  return (
    <CheckboxGroupInput
      source="roles"
      choices={choices}
      helperText="Only roles you may grant can be changed; the change applies on the person's next request"
    />
  );
}

export function UserEdit() {
  return (
    <Edit
      mutationMode="pessimistic"
      actions={
        <TopToolbar>
          <UserActions />
        </TopToolbar>
      }
    >
      {/* Deleting is in the actions above: it may need an ownership transfer, which react-admin's button cannot ask for. */}
      <SimpleForm
        toolbar={
          <Toolbar>
            <SaveButton />
          </Toolbar>
        }
      >
        <TextInput source="username" validate={required()} />
        <TextInput source="email" type="email" validate={email()} />
        <TextInput source="displayName" label="Display name" />
        <RolesInput />
      </SimpleForm>
    </Edit>
  );
}
