import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module';
import { UsersController } from './users.controller';
import { UserBulkService } from './user-bulk.service';
import { UserLifecycleService } from './user-lifecycle.service';
import { UserQueryService } from './user-query.service';
import { UsersService } from './users.service';

/** Users: the lifecycle an IT admin expects, over the directory core. */
@Module({
  imports: [DirectoryModule],
  controllers: [UsersController],
  providers: [UsersService, UserLifecycleService, UserQueryService, UserBulkService],
  exports: [UsersService],
})
export class UsersModule {}
