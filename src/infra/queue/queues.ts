/** The BullMQ queues. Job ids are chosen by the producer, so a job is queued once. */
export const MAIL_QUEUE = 'mail';
export const MAINTENANCE_QUEUE = 'maintenance';
export const QUEUE_NAMES = [MAIL_QUEUE, MAINTENANCE_QUEUE] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];
