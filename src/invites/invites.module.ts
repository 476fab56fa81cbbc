import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { PasswordModule } from '../directory/password/password.module';
import { OutboxModule } from '../outbox/outbox.module';
import { DirectoryModule } from '../directory/directory.module';
import { UsersModule } from '../users/users.module';
import { Invite } from './entities/invite.entity';
import { InviteDeliveryModule } from './invite-delivery.module';
import { InvitesController } from './invites.controller';
import { InvitesService } from './invites.service';

/** Invites: created through the API, mailed by the `mail` queue's worker (see WorkersModule). */
@Module({
  imports: [
    MikroOrmModule.forFeature([Invite]),
    AuthModule,
    PasswordModule,
    UsersModule,
    DirectoryModule,
    OutboxModule,
    InviteDeliveryModule,
  ],
  controllers: [InvitesController],
  providers: [InvitesService],
})
export class InvitesModule {}
