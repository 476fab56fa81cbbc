import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { PasswordModule } from '../directory/password/password.module';
import { GroupsModule } from '../groups/groups.module';
import { OutboxModule } from '../outbox/outbox.module';
import { RolesModule } from '../roles/roles.module';
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
    GroupsModule,
    RolesModule,
    OutboxModule,
    InviteDeliveryModule,
  ],
  controllers: [InvitesController],
  providers: [InvitesService],
})
export class InvitesModule {}
