import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Res,
  VERSION_NEUTRAL,
} from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AppConfig } from '../../config/app-config';
import { Can } from '../authz/can.decorator';
import { CurrentPrincipal } from '../authz/current-principal.decorator';
import type { Principal } from '../authz/principal';
import { ScimListQueryDto, ScimResourceQueryDto } from './dto/scim-query.dto';
import { SCIM_CONTENT_TYPE } from './scim-error';
import { attributeList, paging } from './scim-paging';
import { patchUser, readOperations } from './scim-patch';
import { type JsonObject, project, readUser, userResource } from './scim-resources';
import { listResponse } from './scim-schemas';
import { ScimUsersService } from './scim-users.service';

const RESOURCE_BODY = { schema: { type: 'object', additionalProperties: true } } as const;

@ApiTags('SCIM 2.0')
@Controller({ path: 'scim/v2/Users', version: VERSION_NEUTRAL })
export class ScimUsersController {
  constructor(
    private readonly users: ScimUsersService,
    private readonly config: AppConfig,
  ) {}

  @Can('read', 'Scim', 'SCIM: list users, with a filter and startIndex/count paging')
  @Get()
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ScimListQueryDto) {
    const { startIndex, count } = paging(query);
    const page = await this.users.list(principal, { filter: query.filter, startIndex, count });
    const attributes = attributeList(query.attributes);
    const excluded = attributeList(query.excludedAttributes);
    return listResponse(
      page.users.map(({ user, groups }) =>
        project(userResource(user, groups, this.config.publicUrl), 'User', attributes, excluded),
      ),
      page.totalResults,
      startIndex,
    );
  }

  @Can('read', 'Scim', 'SCIM: one user')
  @Get(':id')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query() query: ScimResourceQueryDto,
  ) {
    const { user, groups } = await this.users.get(principal, id);
    return project(
      userResource(user, groups, this.config.publicUrl),
      'User',
      attributeList(query.attributes),
      attributeList(query.excludedAttributes),
    );
  }

  @Can('create', 'Scim', 'SCIM: provision a user (baseline role; groups carry roles)')
  @Post()
  @ApiBody(RESOURCE_BODY)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: JsonObject,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const user = await this.users.create(principal, body);
    const resource = userResource(user, [], this.config.publicUrl);
    void reply
      .status(201)
      .header('content-type', SCIM_CONTENT_TYPE)
      .header('location', (resource.meta as JsonObject).location);
    return resource;
  }

  @Can('update', 'Scim', 'SCIM: replace a user (active: false deactivates)')
  @Put(':id')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @ApiBody(RESOURCE_BODY)
  async replace(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: JsonObject,
  ) {
    await this.users.get(principal, id);
    await this.users.replace(principal, id, readUser(body));
    return this.present(principal, id);
  }

  @Can('update', 'Scim', 'SCIM: change a user with PatchOp operations')
  @Patch(':id')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @ApiBody(RESOURCE_BODY)
  async patch(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: JsonObject,
  ) {
    const { user, groups } = await this.users.get(principal, id);
    const operations = readOperations(body);
    if (operations.length > 0) {
      const patched = patchUser(userResource(user, groups, this.config.publicUrl), operations);
      await this.users.replace(principal, id, readUser(patched));
    }
    return this.present(principal, id);
  }

  @Can('delete', 'Scim', 'SCIM: delete a user (409 while they own applications)')
  @Delete(':id')
  @HttpCode(204)
  remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    return this.users.remove(principal, id);
  }

  private async present(principal: Principal, id: string) {
    const { user, groups } = await this.users.get(principal, id);
    return userResource(user, groups, this.config.publicUrl);
  }
}
