import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/directory.module';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';
import { UserSessionsController } from './user-sessions.controller';

/** Sessions and refresh tokens: open, rotate, list, revoke (ending access itself is the directory's). */
@Module({
  imports: [DirectoryModule],
  controllers: [SessionsController, UserSessionsController],
  providers: [SessionsService],
  exports: [SessionsService],
})
export class SessionsModule {}
