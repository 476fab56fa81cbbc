import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { ApiKey } from './entities/api-key.entity';

/** API keys: issue, list, revoke. Authenticating with one is the auth module's (ApiKeyAuthenticator). */
@Module({
  imports: [MikroOrmModule.forFeature([ApiKey]), DirectoryModule],
  controllers: [ApiKeysController],
  providers: [ApiKeysService],
  exports: [ApiKeysService],
})
export class ApiKeysModule {}
