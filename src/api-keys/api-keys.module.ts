import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { RolesModule } from '../roles/roles.module';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { ApiKey } from './entities/api-key.entity';

/** API keys: issue, list, revoke. Authenticating with one is the auth module's (ApiKeyAuthenticator). */
@Module({
  imports: [MikroOrmModule.forFeature([ApiKey]), RolesModule],
  controllers: [ApiKeysController],
  providers: [ApiKeysService],
  exports: [ApiKeysService],
})
export class ApiKeysModule {}
