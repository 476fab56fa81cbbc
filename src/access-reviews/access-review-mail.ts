import type { OutgoingMail } from '../infra/mail/mailer';
import { escapeHtml, singleLine } from '../infra/mail/mail-text';

/** `reminder` before the due date, `overdue` to reviewers after it, `escalation` to the campaign's creator. */
export const MAIL_STAGES = ['reminder', 'overdue', 'escalation'] as const;
export type MailStage = (typeof MAIL_STAGES)[number];

/** The access review queue's mail job: one message to one person about one campaign. */
export const REVIEW_MAIL_JOB = 'mail';
export interface ReviewMailJob {
  organizationId: string;
  campaignId: string;
  recipientId: string;
  stage: MailStage;
}

export interface ReviewMailContent {
  to: string;
  stage: MailStage;
  campaignName: string;
  openItems: number;
  dueAt: Date;
  link: string;
}

/** Reminder, overdue notice and escalation, as text and HTML. Campaign names are escaped. */
export function renderReviewMail(content: ReviewMailContent): OutgoingMail {
  const name = singleLine(content.campaignName);
  const due = content.dueAt.toUTCString();
  const one = content.openItems === 1;
  const count = `${content.openItems} item${one ? '' : 's'}`;
  const { subject, lead } = {
    reminder: {
      subject: `Access review ${name}: ${count} ${one ? 'awaits' : 'await'} your decision`,
      lead: `${count} of the access review "${name}" ${one ? 'awaits' : 'await'} your decision, due ${due}.`,
    },
    overdue: {
      subject: `Overdue access review ${name}: ${count} undecided`,
      lead: `The access review "${name}" was due ${due}; ${count} assigned to you are still undecided.`,
    },
    escalation: {
      subject: `Escalation: access review ${name} is overdue with ${count} undecided`,
      lead: `The access review "${name}" you started was due ${due}; ${count} are still undecided.`,
    },
  }[content.stage];
  const text = [lead, '', 'Review them here:', content.link].join('\n');
  const html = `<!doctype html>
<html><body style="font-family: sans-serif">
<p>${escapeHtml(lead)}</p>
<p><a href="${escapeHtml(content.link)}">Review them</a></p>
</body></html>`;
  return { to: content.to, subject, text, html };
}
