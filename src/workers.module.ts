import { Module } from '@nestjs/common';
import { AccessReviewCoreModule } from './access-reviews/access-review-core.module';
import { AccessReviewProcessor } from './access-reviews/access-review.processor';
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
  imports: [InviteDeliveryModule, MaintenanceModule, OutboxModule, AccessReviewCoreModule],
  providers: [MailProcessor, MaintenanceProcessor, AccessReviewProcessor, OutboxPoller],
})
export class WorkersModule {}
