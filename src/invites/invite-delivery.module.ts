import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { MailModule } from '../infra/mail/mail.module';
import { Invite } from './entities/invite.entity';
import { InviteDeliveryService } from './invite-delivery.service';

/**
 * Sending invite mail and recording its delivery: what the mail worker needs
 * of invites, and nothing of the HTTP side (users, groups, roles, sign-in), so
 * `npm run start:worker` boots without them.
 */
@Module({
  imports: [MikroOrmModule.forFeature([Invite]), MailModule],
  providers: [InviteDeliveryService],
  exports: [InviteDeliveryService],
})
export class InviteDeliveryModule {}
