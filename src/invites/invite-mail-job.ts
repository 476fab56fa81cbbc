/** The mail queue's job for one invite: the outbox hands it over, the mail worker sends it. */
export const INVITE_MAIL_JOB = 'invite';

export interface InviteMailJob {
  organizationId: string;
  inviteId: string;
}
