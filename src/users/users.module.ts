import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { PasswordModule } from '../auth/password/password.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { RolesModule } from '../roles/roles.module';
import { SessionsModule } from '../sessions/sessions.module';
import { User } from './entities/user.entity';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/** Users: the lifecycle an IT admin expects. Talks to sessions (revocation) and roles (grants). */
@Module({
  imports: [
    MikroOrmModule.forFeature([User]),
    PasswordModule,
    RolesModule,
    SessionsModule,
    OrganizationsModule,
  ],
  controllers: [UsersController],
  providers: [UsersService],
  exports: [UsersService],
})
export class UsersModule {}
