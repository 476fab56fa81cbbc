import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Can } from '../authz/can.decorator';
import { CurrentPrincipal } from '../authz/current-principal.decorator';
import type { Principal } from '../authz/principal';
import { ListSessionsQueryDto, SessionListDto, SessionResponseDto } from './dto/session.dto';
import { SessionsService } from './sessions.service';

@ApiTags('Sessions')
@Controller('sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Can('read', 'Session', 'Sessions the caller may see: their own, or the organization’s')
  @Get()
  @ApiOkResponse({ type: SessionListDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListSessionsQueryDto,
  ): Promise<SessionListDto> {
    const sessions = await this.sessions.list(principal, query);
    return {
      items: sessions.map((session) => SessionResponseDto.from(session, principal.sessionId)),
      nextCursor: null,
    };
  }

  @Can('revoke', 'Session', 'Revoke a session: its access tokens stop working at once')
  @Delete(':id')
  @HttpCode(204)
  revoke(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    return this.sessions.revokeById(principal, id);
  }
}
