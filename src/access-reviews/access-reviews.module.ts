import { Module } from '@nestjs/common';
import { AccessReviewCoreModule } from './access-review-core.module';
import { AccessReviewsController } from './access-reviews.controller';

/** Access reviews over HTTP: /api/v1/access-reviews (ADR 0012). */
@Module({
  imports: [AccessReviewCoreModule],
  controllers: [AccessReviewsController],
})
export class AccessReviewsModule {}
