import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { Organization } from './entities/organization.entity';
import { OrganizationController } from './organization.controller';
import { OrganizationsService } from './organizations.service';

/** Tenancy: the organizations every other table belongs to, and their settings. */
@Module({
  imports: [MikroOrmModule.forFeature([Organization])],
  controllers: [OrganizationController],
  providers: [OrganizationsService],
  exports: [OrganizationsService],
})
export class OrganizationsModule {}
