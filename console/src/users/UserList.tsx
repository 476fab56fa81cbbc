import {
  CreateButton,
  Datagrid,
  DateField,
  ExportButton,
  List,
  ReferenceInput,
  SearchInput,
  SelectInput,
  TextField,
  TopToolbar,
} from 'react-admin';
import { CursorPagination } from '../data/CursorPagination';
import { UserBulkActions } from './UserBulkActions';
import { GroupsField, LastLoginField, RolesField, StatsField, StatusField } from './user-fields';

const filters = [
  <SearchInput key="q" source="q" alwaysOn placeholder="Search username, email, name" />,
  <ReferenceInput key="role" source="role" reference="roles" alwaysOn>
    <SelectInput label="Role" optionText="name" />
  </ReferenceInput>,
  <SelectInput
    key="status"
    source="status"
    alwaysOn
    choices={[
      { id: 'active', name: 'Active' },
      { id: 'inactive', name: 'Inactive' },
    ]}
  />,
  <ReferenceInput key="groupId" source="groupId" reference="groups">
    <SelectInput label="Group" optionText="name" />
  </ReferenceInput>,
];

const ListActions = () => (
  <TopToolbar>
    <CreateButton />
    <ExportButton />
  </TopToolbar>
);

export function UserList() {
  return (
    <List
      filters={filters}
      actions={<ListActions />}
      sort={{ field: 'createdAt', order: 'DESC' }}
      perPage={25}
      pagination={<CursorPagination />}
      empty={false}
    >
      <Datagrid bulkActionButtons={<UserBulkActions />} rowClick="edit">
        <TextField source="username" />
        <TextField source="displayName" label="Name" sortable={false} emptyText="—" />
        <TextField source="email" sortable={false} emptyText="—" />
        <RolesField label="Roles" />
        <StatusField label="Status" />
        <GroupsField label="Groups" />
        <DateField source="createdAt" label="Joined" />
        <LastLoginField label="Last login" source="lastLoginAt" />
        <StatsField label="Sessions / keys / groups / apps" />
      </Datagrid>
    </List>
  );
}
