import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { Application } from '../applications/entities/application.entity';
import { DirectoryModule } from '../directory/directory.module';
import { MailModule } from '../infra/mail/mail.module';
import { OutboxModule } from '../outbox/outbox.module';
import { AccessReviewDecisionsService } from './access-review-decisions.service';
import { AccessReviewEffects } from './access-review-effects';
import { AccessReviewSweepService } from './access-review-sweep.service';
import { AccessReviewsService } from './access-reviews.service';
import { AccessReviewItem } from './entities/access-review-item.entity';
import { AccessReview } from './entities/access-review.entity';

const SERVICES = [
  AccessReviewsService,
  AccessReviewDecisionsService,
  AccessReviewEffects,
  AccessReviewSweepService,
];

/**
 * Access reviews without their HTTP side: campaigns, decisions and what they
 * revoke, reminders and recurrence. The API and the worker process both use it.
 */
@Module({
  imports: [
    MikroOrmModule.forFeature([AccessReview, AccessReviewItem, Application]),
    DirectoryModule,
    ApiKeysModule,
    OutboxModule,
    MailModule,
  ],
  providers: SERVICES,
  exports: SERVICES,
})
export class AccessReviewCoreModule {}
