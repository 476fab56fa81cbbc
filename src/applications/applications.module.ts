import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module';
import { ApplicationsController } from './applications.controller';
import { ApplicationsService } from './applications.service';
import { AuthzCheckController } from './authz-check.controller';
import { DecisionsService } from './decisions.service';
import { Application } from './entities/application.entity';
import { Policy } from './entities/policy.entity';
import { PoliciesService } from './policies.service';

/**
 * Applications, their assignments and access policies, and the decision
 * endpoint. Reads users and groups through their entities only, so that the
 * users and groups modules can call in here when someone is deleted.
 */
@Module({
  imports: [MikroOrmModule.forFeature([Application, Policy]), DirectoryModule],
  controllers: [ApplicationsController, AuthzCheckController],
  providers: [ApplicationsService, PoliciesService, DecisionsService],
  exports: [ApplicationsService],
})
export class ApplicationsModule {}
