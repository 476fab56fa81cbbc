import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { Organization } from './entities/organization.entity';

/** Tenancy: the organizations every other table belongs to. */
@Module({
  imports: [MikroOrmModule.forFeature([Organization])],
})
export class OrganizationsModule {}
