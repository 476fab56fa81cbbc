import { Module } from '@nestjs/common';
import { InviteDeliveryModule } from './invites/invite-delivery.module';
import { MailProcessor } from './invites/mail.processor';
import { MaintenanceModule } from './maintenance/maintenance.module';
import { MaintenanceProcessor } from './maintenance/maintenance.processor';
import { OutboxModule } from './outbox/outbox.module';
import { OutboxPoller } from './outbox/outbox-poller';

/**
 * The queue workers and the outbox poller. Part of the API process when
 * WORKERS_ENABLED (the default), and all that `npm run start:worker` runs.
 */
@Module({
  imports: [InviteDeliveryModule, MaintenanceModule, OutboxModule],
  providers: [MailProcessor, MaintenanceProcessor, OutboxPoller],
})
export class WorkersModule {}
