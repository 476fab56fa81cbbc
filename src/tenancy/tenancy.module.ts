import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { Organization } from './organization.entity';
import { TenancyService } from './tenancy.service';

/** Tenancy: the organizations every other table belongs to, read by every layer above. */
@Module({
  imports: [MikroOrmModule.forFeature([Organization])],
  providers: [TenancyService],
  exports: [TenancyService],
})
export class TenancyModule {}
