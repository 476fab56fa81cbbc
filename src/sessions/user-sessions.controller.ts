import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Can } from '../authz/can.decorator';
import { CurrentPrincipal } from '../authz/current-principal.decorator';
import type { Principal } from '../authz/principal';
import { SessionListDto, SessionResponseDto } from './dto/session.dto';
import { SessionsService } from './sessions.service';

const uuid = new ParseUUIDPipe();

/** One user's sessions, under the user (listed with the users' routes in the API reference). */
@ApiTags('Users')
@Controller('users/:id/sessions')
export class UserSessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Can('read', 'Session', 'Sessions of one user')
  @Get()
  @ApiOkResponse({ type: SessionListDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
  ): Promise<SessionListDto> {
    const sessions = await this.sessions.listOfUser(principal, id);
    return {
      items: sessions.map((session) => SessionResponseDto.from(session, principal.sessionId)),
      nextCursor: null,
    };
  }

  @Can('revoke', 'Session', 'End every session of one user at once')
  @Delete()
  @HttpCode(204)
  revokeAll(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
  ): Promise<void> {
    return this.sessions.revokeAllOfUser(principal, id);
  }
}
