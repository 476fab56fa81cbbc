/** The BullMQ queues. Job ids are chosen by the producer, so a job is queued once. */
export const MAIL_QUEUE = 'mail';
export const MAINTENANCE_QUEUE = 'maintenance';
/** Access review reminders, escalations, overdue handling and recurring campaigns. */
export const ACCESS_REVIEW_QUEUE = 'access-reviews';
export const QUEUE_NAMES = [MAIL_QUEUE, MAINTENANCE_QUEUE, ACCESS_REVIEW_QUEUE] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];
