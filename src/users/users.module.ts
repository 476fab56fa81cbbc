import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { ApplicationsModule } from '../applications/applications.module';
import { PasswordModule } from '../directory/password/password.module';
import { GroupsModule } from '../groups/groups.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { RolesModule } from '../roles/roles.module';
import { SessionsModule } from '../sessions/sessions.module';
import { User } from './entities/user.entity';
import { UsersController } from './users.controller';
import { UserBulkService } from './user-bulk.service';
import { UserLifecycleService } from './user-lifecycle.service';
import { UserQueryService } from './user-query.service';
import { UsersService } from './users.service';

/** Users: the lifecycle an IT admin expects. Talks to sessions (revocation), roles (grants) and groups (memberships). */
@Module({
  imports: [
    MikroOrmModule.forFeature([User]),
    PasswordModule,
    RolesModule,
    SessionsModule,
    OrganizationsModule,
    GroupsModule,
    ApplicationsModule,
    ApiKeysModule,
  ],
  controllers: [UsersController],
  providers: [UsersService, UserLifecycleService, UserQueryService, UserBulkService],
  exports: [UsersService],
})
export class UsersModule {}
