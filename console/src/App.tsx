import { Admin, defaultTheme, Resource, type RaThemeOptions } from 'react-admin';
import { BrowserRouter } from 'react-router-dom';
import PeopleIcon from '@mui/icons-material/People';
import { authProvider } from './auth/auth-provider';
import { LoginPage } from './auth/LoginPage';
import { ConsoleLayout } from './layout/ConsoleLayout';
import { dataProvider } from './data/data-provider';
import { UserCreate } from './users/UserCreate';
import { UserEdit } from './users/UserEdit';
import { UserList } from './users/UserList';

/**
 * react-admin's default theme with darker blues: its light primary tints (the
 * bulk-action bar, focused labels) fall below WCAG AA contrast otherwise.
 */
const theme: RaThemeOptions = {
  ...defaultTheme,
  palette: {
    ...defaultTheme.palette,
    primary: { main: '#174a8c' },
    secondary: { main: '#1f2d45' },
    error: { main: '#b3261e' },
  },
};

export function App() {
  // Real paths under /console (the API serves the page for each), not react-admin's default hash routes.
  return (
    <BrowserRouter basename="/console">
      <Admin
        title="Warden"
        authProvider={authProvider}
        dataProvider={dataProvider}
        loginPage={LoginPage}
        theme={theme}
        layout={ConsoleLayout}
        requireAuth
        disableTelemetry
      >
        <Resource
          name="users"
          list={UserList}
          create={UserCreate}
          edit={UserEdit}
          icon={PeopleIcon}
          recordRepresentation="username"
        />
        <Resource name="groups" recordRepresentation="name" />
        <Resource name="roles" recordRepresentation="name" />
      </Admin>
    </BrowserRouter>
  );
}
