import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { RolesModule } from '../roles/roles.module';
import { SessionsModule } from '../sessions/sessions.module';
import { GroupMember } from './entities/group-member.entity';
import { Group } from './entities/group.entity';
import { GroupsController } from './groups.controller';
import { GroupsService } from './groups.service';

/**
 * Groups and memberships. Reads users (members' profiles) without depending on
 * the users module, which itself shows each user's groups through this one.
 */
@Module({
  imports: [
    MikroOrmModule.forFeature([Group, GroupMember]),
    RolesModule,
    SessionsModule,
    ApplicationsModule,
  ],
  controllers: [GroupsController],
  providers: [GroupsService],
  exports: [GroupsService],
})
export class GroupsModule {}
