import type { OutgoingMail } from '../infra/mail/mailer';
import { escapeHtml, singleLine } from '../infra/mail/mail-text';

export interface InviteMailContent {
  to: string;
  organizationName: string;
  inviteeName: string | null;
  inviterName: string | null;
  acceptLink: string;
  expiresAt: Date;
}

/** The invitation email, as text and HTML. Names come from users: escaped, never trusted. */
export function renderInviteMail(content: InviteMailContent): OutgoingMail {
  const organization = singleLine(content.organizationName);
  const greeting = content.inviteeName ? `Hello ${singleLine(content.inviteeName)},` : 'Hello,';
  const inviter = content.inviterName ? singleLine(content.inviterName) : 'An administrator';
  const expires = content.expiresAt.toUTCString();
  const text = [
    greeting,
    '',
    `${inviter} invited you to join ${organization} on Warden.`,
    '',
    'Accept the invitation and choose your username and password here:',
    content.acceptLink,
    '',
    `The link works once and expires on ${expires}.`,
    'If you did not expect this invitation, ignore this email.',
  ].join('\n');
  const html = `<!doctype html>
<html><body style="font-family: sans-serif">
<p>${escapeHtml(greeting)}</p>
<p>${escapeHtml(inviter)} invited you to join <strong>${escapeHtml(organization)}</strong> on Warden.</p>
<p><a href="${escapeHtml(content.acceptLink)}">Accept the invitation</a></p>
<p>The link works once and expires on ${escapeHtml(expires)}.<br>
If you did not expect this invitation, ignore this email.</p>
</body></html>`;
  return { to: content.to, subject: `You are invited to join ${organization}`, text, html };
}
