import {
  CheckboxGroupInput,
  Create,
  PasswordInput,
  ReferenceArrayInput,
  SelectArrayInput,
  SimpleForm,
  TextInput,
  email,
  required,
} from 'react-admin';
import { useGrantableRoleChoices } from './grantable-roles';

export function UserCreate() {
  const { choices } = useGrantableRoleChoices();
  return (
    <Create redirect="edit">
      <SimpleForm defaultValues={{ roles: ['user'] }}>
        <TextInput source="username" validate={required()} autoComplete="off" />
        <TextInput
          source="email"
          type="email"
          validate={email()}
          helperText="Required unless the only role is User"
        />
        <TextInput source="displayName" label="Display name" />
        <PasswordInput
          source="password"
          validate={required()}
          autoComplete="new-password"
          helperText="The initial password, under the organization's password policy"
        />
        <CheckboxGroupInput
          source="roles"
          choices={choices}
          helperText="Only roles you may grant are offered"
        />
        <ReferenceArrayInput source="groupIds" reference="groups">
          <SelectArrayInput label="Groups" optionText="name" />
        </ReferenceArrayInput>
      </SimpleForm>
    </Create>
  );
}
