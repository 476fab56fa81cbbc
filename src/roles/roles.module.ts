import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module';
import { RolesController } from './roles.controller';
import { RolesService } from './roles.service';

/** Built-in roles (from the matrix) and each organization's custom roles, over the directory's catalog. */
@Module({
  imports: [DirectoryModule],
  controllers: [RolesController],
  providers: [RolesService],
})
export class RolesModule {}
