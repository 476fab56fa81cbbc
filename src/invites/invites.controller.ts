import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiGoneResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Can } from '../authz/can.decorator';
import { CurrentPrincipal } from '../authz/current-principal.decorator';
import type { Principal } from '../authz/principal';
import { Public } from '../authz/public.decorator';
import { Clock } from '../common/clock/clock';
import { ProblemDocumentDto } from '../common/problem/problem-document.dto';
import { UserResponseDto } from '../directory/users/user-response.dto';
import {
  AcceptedInviteDto,
  AcceptInviteDto,
  CreateInviteDto,
  InviteListDto,
  InviteResponseDto,
  ListInvitesQueryDto,
} from './dto/invite.dto';
import { InvitesService } from './invites.service';

@ApiTags('Invites')
@Controller('invites')
export class InvitesController {
  constructor(
    private readonly invites: InvitesService,
    private readonly clock: Clock,
  ) {}

  @Can('read', 'Invite', 'Invites, newest first, optionally by status')
  @Get()
  @ApiOkResponse({ type: InviteListDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListInvitesQueryDto,
  ): Promise<InviteListDto> {
    const { items, nextCursor } = await this.invites.list(principal, query);
    const now = this.clock.now();
    return { items: items.map((invite) => InviteResponseDto.from(invite, now)), nextCursor };
  }

  @Can(
    'create',
    'Invite',
    'Invite someone by email with roles you could grant; the email is queued',
  )
  @Post()
  @ApiCreatedResponse({ type: InviteResponseDto })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateInviteDto,
  ): Promise<InviteResponseDto> {
    return InviteResponseDto.from(await this.invites.create(principal, body), this.clock.now());
  }

  @Public() // the invitation token is the credential
  @Post('accept')
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Accept an invitation: choose a username and password, and sign in',
    description: 'The token comes from the invitation link and works once.',
  })
  @ApiCreatedResponse({ type: AcceptedInviteDto, description: 'The new user, signed in.' })
  @ApiGoneResponse({
    type: ProblemDocumentDto,
    description: 'The invitation expired, was revoked, or was already used.',
  })
  async accept(@Body() body: AcceptInviteDto): Promise<AcceptedInviteDto> {
    const { user, ...tokens } = await this.invites.accept(body);
    return { user: UserResponseDto.from(user), ...tokens };
  }

  @Can('read', 'Invite', 'One invite, with its delivery state')
  @Get(':id')
  @ApiOkResponse({ type: InviteResponseDto })
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<InviteResponseDto> {
    return InviteResponseDto.from(await this.invites.get(principal, id), this.clock.now());
  }

  @Can(
    'update',
    'Invite',
    'Send the invite again with a new link and validity (the old link stops working)',
  )
  @Post(':id/resend')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: InviteResponseDto })
  async resend(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<InviteResponseDto> {
    return InviteResponseDto.from(await this.invites.resend(principal, id), this.clock.now());
  }

  @Can('revoke', 'Invite', 'Revoke an invite: its link answers 410 from now on')
  @Delete(':id')
  @HttpCode(204)
  revoke(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    return this.invites.revoke(principal, id);
  }
}
