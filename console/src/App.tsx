import { lazy } from 'react';
import { ThemeProvider, createTheme } from '@mui/material/styles';
import CssBaseline from '@mui/material/CssBaseline';
import { Admin, defaultTheme, Resource, type RaThemeOptions } from 'react-admin';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import AppsIcon from '@mui/icons-material/Apps';
import BadgeIcon from '@mui/icons-material/Badge';
import BusinessIcon from '@mui/icons-material/Business';
import SsoIcon from '@mui/icons-material/VpnLock';
import DevicesIcon from '@mui/icons-material/Devices';
import GroupsIcon from '@mui/icons-material/Groups';
import KeyIcon from '@mui/icons-material/VpnKey';
import HistoryIcon from '@mui/icons-material/History';
import MailIcon from '@mui/icons-material/MailOutlined';
import PeopleIcon from '@mui/icons-material/People';
import { authProvider } from './auth/auth-provider';
import { LoginPage } from './auth/LoginPage';
import { ConsoleLayout } from './layout/ConsoleLayout';
import { dataProvider } from './data/data-provider';

// Screens load when first opened: the first page downloads react-admin and the
// sign-in form, not every screen of the console.
const UserList = lazy(() => import('./users/UserList').then((m) => ({ default: m.UserList })));
const UserCreate = lazy(() =>
  import('./users/UserCreate').then((m) => ({ default: m.UserCreate })),
);
const UserEdit = lazy(() => import('./users/UserEdit').then((m) => ({ default: m.UserEdit })));
const groups = () => import('./groups/GroupScreens');
const GroupList = lazy(() => groups().then((m) => ({ default: m.GroupList })));
const GroupShow = lazy(() => groups().then((m) => ({ default: m.GroupShow })));
const GroupCreate = lazy(() => groups().then((m) => ({ default: m.GroupCreate })));
const GroupEdit = lazy(() => groups().then((m) => ({ default: m.GroupEdit })));
const AuditList = lazy(() =>
  import('./audit/AuditScreens').then((m) => ({ default: m.AuditList })),
);
const SessionList = lazy(() =>
  import('./sessions/SessionList').then((m) => ({ default: m.SessionList })),
);
const ApiKeyList = lazy(() =>
  import('./api-keys/ApiKeyScreens').then((m) => ({ default: m.ApiKeyList })),
);
const roles = () => import('./roles/RoleScreens');
const RoleList = lazy(() => roles().then((m) => ({ default: m.RoleList })));
const RoleShow = lazy(() => roles().then((m) => ({ default: m.RoleShow })));
const RoleCreate = lazy(() => roles().then((m) => ({ default: m.RoleCreate })));
const RoleEdit = lazy(() => roles().then((m) => ({ default: m.RoleEdit })));
const MatrixPage = lazy(() => roles().then((m) => ({ default: m.MatrixPage })));
const applications = () => import('./applications/ApplicationScreens');
const ApplicationList = lazy(() => applications().then((m) => ({ default: m.ApplicationList })));
const ApplicationShow = lazy(() => applications().then((m) => ({ default: m.ApplicationShow })));
const ApplicationCreate = lazy(() =>
  applications().then((m) => ({ default: m.ApplicationCreate })),
);
const ApplicationEdit = lazy(() => applications().then((m) => ({ default: m.ApplicationEdit })));
const sso = () => import('./sso/SsoConnectionScreens');
const SsoConnectionList = lazy(() => sso().then((m) => ({ default: m.SsoConnectionList })));
const SsoConnectionShow = lazy(() => sso().then((m) => ({ default: m.SsoConnectionShow })));
const SsoConnectionCreate = lazy(() => sso().then((m) => ({ default: m.SsoConnectionCreate })));
const SsoConnectionEdit = lazy(() => sso().then((m) => ({ default: m.SsoConnectionEdit })));
const OrganizationPage = lazy(() =>
  import('./organization/OrganizationPage').then((m) => ({ default: m.OrganizationPage })),
);
const invites = () => import('./invites/InviteScreens');
const InviteList = lazy(() => invites().then((m) => ({ default: m.InviteList })));
const InviteCreate = lazy(() => invites().then((m) => ({ default: m.InviteCreate })));
const SsoCallbackPage = lazy(() =>
  import('./auth/SsoCallbackPage').then((m) => ({ default: m.SsoCallbackPage })),
);
const AcceptInvitePage = lazy(() =>
  import('./invites/AcceptInvitePage').then((m) => ({ default: m.AcceptInvitePage })),
);

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
  components: {
    ...defaultTheme.components,
    // react-admin's loading spinners carry no name; screen readers then announce a bare progressbar.
    MuiCircularProgress: { defaultProps: { 'aria-label': 'Loading' } },
    MuiLinearProgress: { defaultProps: { 'aria-label': 'Loading' } },
  },
};

export function App() {
  // Real paths under /console (the API serves the page for each), not react-admin's default hash routes.
  return (
    <BrowserRouter basename="/console">
      <Routes>
        {/* Public: where an invite mail's link lands, before the person has an account. */}
        <Route
          path="/accept-invite"
          element={
            <ThemeProvider theme={createTheme(theme)}>
              <CssBaseline />
              <AcceptInvitePage />
            </ThemeProvider>
          }
        />
        {/* Public: where an SSO sign-in started here comes back with its one-time code. */}
        <Route
          path="/sso-callback"
          element={
            <ThemeProvider theme={createTheme(theme)}>
              <CssBaseline />
              <SsoCallbackPage />
            </ThemeProvider>
          }
        />
        <Route path="/*" element={<Console />} />
      </Routes>
    </BrowserRouter>
  );
}

/** Everything else needs a signed-in person: react-admin checks before any screen asks the API. */
function Console() {
  return (
    <Admin
      title="Warden"
      authProvider={authProvider}
      dataProvider={dataProvider}
      loginPage={LoginPage}
      requireAuth
      theme={theme}
      layout={ConsoleLayout}
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
      <Resource
        name="groups"
        list={GroupList}
        show={GroupShow}
        create={GroupCreate}
        edit={GroupEdit}
        icon={GroupsIcon}
        recordRepresentation="name"
      />
      <Resource
        name="invites"
        list={InviteList}
        create={InviteCreate}
        icon={MailIcon}
        recordRepresentation="email"
      />
      <Resource
        name="applications"
        list={ApplicationList}
        show={ApplicationShow}
        create={ApplicationCreate}
        edit={ApplicationEdit}
        icon={AppsIcon}
        recordRepresentation="name"
      />
      <Resource name="sessions" list={SessionList} icon={DevicesIcon} />
      <Resource name="api-keys" list={ApiKeyList} icon={KeyIcon} options={{ label: 'API keys' }} />
      <Resource
        name="audit"
        list={AuditList}
        icon={HistoryIcon}
        options={{ label: 'Audit trail' }}
      />
      <Resource
        name="organization"
        list={OrganizationPage}
        icon={BusinessIcon}
        options={{ label: 'Organization' }}
      />
      <Resource
        name="sso-connections"
        list={SsoConnectionList}
        show={SsoConnectionShow}
        create={SsoConnectionCreate}
        edit={SsoConnectionEdit}
        icon={SsoIcon}
        options={{ label: 'SSO connections' }}
        recordRepresentation="name"
      />
      <Resource
        name="roles"
        list={RoleList}
        show={RoleShow}
        create={RoleCreate}
        edit={RoleEdit}
        icon={BadgeIcon}
        recordRepresentation="name"
      >
        <Route path="matrix" element={<MatrixPage />} />
      </Resource>
    </Admin>
  );
}
