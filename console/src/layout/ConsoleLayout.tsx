import { type ReactNode, useEffect } from 'react';
import { AppBar, Layout, UserMenu, Logout, useGetIdentity } from 'react-admin';

/** The account button names the person it shows, so its accessible name contains its visible text. */
function AccountMenu() {
  const { identity } = useGetIdentity();
  return (
    <UserMenu label={identity?.fullName ? `Account: ${identity.fullName}` : 'Account'}>
      <Logout />
    </UserMenu>
  );
}

const ConsoleAppBar = () => <AppBar userMenu={<AccountMenu />} />;

/**
 * react-admin's row checkboxes put their "Select this row" label on MUI's
 * wrapper <span> (where ARIA forbids it) and leave the <input> unnamed; this
 * moves the label onto the input as rows appear, so screen readers announce it.
 */
function useLabelledRowCheckboxes() {
  useEffect(() => {
    const relabel = () => {
      for (const wrapper of document.querySelectorAll<HTMLElement>('.select-item[aria-label]')) {
        const input = wrapper.querySelector('input');
        const label = wrapper.getAttribute('aria-label');
        if (input === null || label === null) continue;
        input.setAttribute('aria-label', label);
        wrapper.removeAttribute('aria-label');
      }
    };
    relabel();
    const observer = new MutationObserver(relabel);
    observer.observe(document.body, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, []);
}

export function ConsoleLayout({ children }: { children: ReactNode }) {
  useLabelledRowCheckboxes();
  return <Layout appBar={ConsoleAppBar}>{children}</Layout>;
}
