import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiKeyResponseDto } from '../api-keys/dto/api-key.dto';
import { ApplicationResponseDto } from '../applications/dto/application.dto';
import { Can } from '../authz/can.decorator';
import { CurrentPrincipal } from '../authz/current-principal.decorator';
import type { Principal } from '../authz/principal';
import { SessionResponseDto } from '../sessions/dto/session.dto';
import { UserResponseDto } from '../directory/users/user-response.dto';
import { UserExportService } from './user-export.service';

/** GET /users/:id/export, listed with the users' routes in the API reference. */
@ApiTags('Users')
@Controller('users')
export class UserExportController {
  constructor(private readonly exports: UserExportService) {}

  @Can('read', 'User', 'Everything about one user as one JSON document (offboarding)')
  @Get(':id/export')
  async export(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ) {
    const exported = await this.exports.export(principal, id);
    return {
      exportedAt: new Date().toISOString(),
      user: UserResponseDto.from(exported.user, exported.groups),
      roles: exported.user.roles,
      groups: exported.groups,
      sessions: exported.sessions.map((session) =>
        SessionResponseDto.from(session, principal.sessionId),
      ),
      apiKeys: exported.apiKeys.map((key) => ApiKeyResponseDto.from(key)),
      applications: exported.applications.map((application) =>
        ApplicationResponseDto.from(application),
      ),
      auditEvents: exported.auditEvents,
    };
  }
}
