import { renderInviteMail } from './invite-mail';

describe('renderInviteMail', () => {
  const base = {
    to: 'ada@example.com',
    organizationName: 'Acme',
    inviteeName: 'Ada',
    inviterName: 'root',
    acceptLink: 'https://app.example.com/accept-invite?token=abc',
    expiresAt: new Date('2026-12-01T00:00:00Z'),
  };

  it('puts the accept link in both the text and the HTML part', () => {
    const mail = renderInviteMail(base);
    expect(mail.text).toContain(base.acceptLink);
    expect(mail.html).toContain(`href="${base.acceptLink}"`);
    expect(mail.subject).toBe('You are invited to join Acme');
  });

  it('escapes names in the HTML part and keeps line breaks out of the subject', () => {
    const mail = renderInviteMail({
      ...base,
      organizationName: 'Evil\r\nBcc: victim@example.com',
      inviteeName: '<script>alert(1)</script>',
    });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;');
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });
});
