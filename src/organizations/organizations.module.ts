import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { Organization } from '../tenancy/organization.entity';
import { OrganizationController } from './organization.controller';
import { OrganizationsService } from './organizations.service';

/** GET and PATCH /organization: an organization's own name and settings. */
@Module({
  imports: [MikroOrmModule.forFeature([Organization])],
  controllers: [OrganizationController],
  providers: [OrganizationsService],
})
export class OrganizationsModule {}
