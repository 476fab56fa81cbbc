import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { RefreshToken } from './entities/refresh-token.entity';
import { Session } from './entities/session.entity';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';

/** Sessions and refresh tokens: open, rotate, list, revoke; the Redis snapshot cache behind every request. */
@Module({
  imports: [MikroOrmModule.forFeature([Session, RefreshToken])],
  controllers: [SessionsController],
  providers: [SessionsService],
  exports: [SessionsService],
})
export class SessionsModule {}
