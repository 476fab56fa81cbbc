import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module';
import { ScimDiscoveryController } from './scim-discovery.controller';
import { ScimGroupsController } from './scim-groups.controller';
import { ScimGroupsService } from './scim-groups.service';
import { ScimUsersController } from './scim-users.controller';
import { ScimUsersService } from './scim-users.service';

/**
 * SCIM 2.0 provisioning (RFC 7643/7644) at /scim/v2, for organization API
 * keys issued with the SCIM grant: users and groups are the directory's own,
 * with its rules and audit trail (docs/adr/0009-scim-provisioning.md).
 */
@Module({
  imports: [DirectoryModule],
  controllers: [ScimDiscoveryController, ScimUsersController, ScimGroupsController],
  providers: [ScimUsersService, ScimGroupsService],
})
export class ScimModule {}
