import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AppConfig } from '../../config/app-config';
import { Can } from '../authz/can.decorator';
import { CurrentPrincipal } from '../authz/current-principal.decorator';
import type { Principal } from '../authz/principal';
import {
  CreateSsoConnectionDto,
  SsoConnectionListDto,
  SsoConnectionResponseDto,
  UpdateSsoConnectionDto,
} from './dto/sso-connection.dto';
import { SsoConnectionsService } from './sso-connections.service';

@ApiTags('Single sign-on')
@Controller('sso-connections')
export class SsoConnectionsController {
  constructor(
    private readonly connections: SsoConnectionsService,
    private readonly config: AppConfig,
  ) {}

  @Can('read', 'SsoConnection', 'The organization’s SSO connections (client secrets never shown)')
  @Get()
  @ApiOkResponse({ type: SsoConnectionListDto })
  async list(@CurrentPrincipal() principal: Principal): Promise<SsoConnectionListDto> {
    const items = await this.connections.list(principal);
    return { items: items.map((item) => this.present(item)) };
  }

  @Can('create', 'SsoConnection', 'Add an OIDC or SAML connection with its role and group mappings')
  @Post()
  @ApiCreatedResponse({ type: SsoConnectionResponseDto })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateSsoConnectionDto,
  ): Promise<SsoConnectionResponseDto> {
    return this.present(await this.connections.create(principal, body));
  }

  @Can('read', 'SsoConnection', 'One SSO connection')
  @Get(':id')
  @ApiOkResponse({ type: SsoConnectionResponseDto })
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<SsoConnectionResponseDto> {
    return this.present(await this.connections.get(principal, id));
  }

  @Can('update', 'SsoConnection', 'Change an SSO connection (an omitted client secret is kept)')
  @Patch(':id')
  @ApiOkResponse({ type: SsoConnectionResponseDto })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateSsoConnectionDto,
  ): Promise<SsoConnectionResponseDto> {
    return this.present(await this.connections.update(principal, id, body));
  }

  @Can('delete', 'SsoConnection', 'Delete an SSO connection and its identity links (users stay)')
  @Delete(':id')
  @HttpCode(204)
  remove(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    return this.connections.remove(principal, id);
  }

  private present(connection: Parameters<typeof SsoConnectionResponseDto.from>[0]) {
    return SsoConnectionResponseDto.from(connection, this.config.publicUrl);
  }
}
