import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { TenancyModule } from '../tenancy/tenancy.module';
import { DirectoryEvents } from './directory-events';
import { Group } from './groups/group.entity';
import { GroupMember } from './groups/group-member.entity';
import { MembershipsService } from './groups/memberships.service';
import { PasswordModule } from './password/password.module';
import { Role } from './roles/role.entity';
import { RoleCatalogService } from './roles/role-catalog.service';
import { RefreshToken } from './sessions/refresh-token.entity';
import { Session } from './sessions/session.entity';
import { SessionRevocationService } from './sessions/session-revocation.service';
import { User } from './users/user.entity';
import { UserDirectoryService } from './users/user-directory.service';

const SERVICES = [
  UserDirectoryService,
  MembershipsService,
  RoleCatalogService,
  SessionRevocationService,
  DirectoryEvents,
];

/**
 * The directory core: who exists (users), how they are grouped (groups and
 * memberships), what they may be granted (the role catalog), and the access
 * they hold (sessions), with the rules every feature applies to them. Features
 * and entry points build on it; it knows none of them (docs/architecture.md).
 */
@Module({
  imports: [
    MikroOrmModule.forFeature([User, Group, GroupMember, Role, Session, RefreshToken]),
    PasswordModule,
    TenancyModule,
  ],
  providers: SERVICES,
  exports: [MikroOrmModule, PasswordModule, TenancyModule, ...SERVICES],
})
export class DirectoryModule {}
