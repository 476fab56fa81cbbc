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
import { readGroup, ScimGroupsService } from './scim-groups.service';
import { attributeList, paging } from './scim-paging';
import { readGroupChange, readOperations } from './scim-patch';
import { groupResource, type JsonObject, project } from './scim-resources';
import { listResponse } from './scim-schemas';

const RESOURCE_BODY = { schema: { type: 'object', additionalProperties: true } } as const;

/** Whether the answer needs members: not when they are excluded or other attributes are asked for alone. */
function wantsMembers(attributes: string[] | undefined, excluded: string[] | undefined): boolean {
  const named = (list: string[] | undefined) =>
    list?.some((item) => /(^|:)members(\.|$)/i.test(item)) ?? false;
  if (attributes) return named(attributes);
  return !named(excluded);
}

@ApiTags('SCIM 2.0')
@Controller({ path: 'scim/v2/Groups', version: VERSION_NEUTRAL })
export class ScimGroupsController {
  constructor(
    private readonly groups: ScimGroupsService,
    private readonly config: AppConfig,
  ) {}

  @Can('read', 'Scim', 'SCIM: list the groups provisioned over SCIM')
  @Get()
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ScimListQueryDto) {
    const { startIndex, count } = paging(query);
    const attributes = attributeList(query.attributes);
    const excluded = attributeList(query.excludedAttributes);
    const page = await this.groups.list(principal, {
      filter: query.filter,
      startIndex,
      count,
      withMembers: wantsMembers(attributes, excluded),
    });
    return listResponse(
      page.groups.map(({ group, members }) =>
        project(
          groupResource(group, members, this.config.publicUrl),
          'Group',
          attributes,
          excluded,
        ),
      ),
      page.totalResults,
      startIndex,
    );
  }

  @Can('read', 'Scim', 'SCIM: one group')
  @Get(':id')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query() query: ScimResourceQueryDto,
  ) {
    const attributes = attributeList(query.attributes);
    const excluded = attributeList(query.excludedAttributes);
    const { group, members } = await this.groups.get(
      principal,
      id,
      wantsMembers(attributes, excluded),
    );
    return project(
      groupResource(group, members, this.config.publicUrl),
      'Group',
      attributes,
      excluded,
    );
  }

  @Can('create', 'Scim', 'SCIM: create a group (it carries no role until an admin gives it one)')
  @Post()
  @ApiBody(RESOURCE_BODY)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: JsonObject,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const group = await this.groups.create(principal, readGroup(body));
    const resource = await this.present(principal, group.id);
    void reply
      .status(201)
      .header('content-type', SCIM_CONTENT_TYPE)
      .header('location', (resource.meta as JsonObject).location);
    return resource;
  }

  @Can('update', 'Scim', 'SCIM: replace a group’s name, externalId and members')
  @Put(':id')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @ApiBody(RESOURCE_BODY)
  async replace(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: JsonObject,
  ) {
    const input = readGroup(body);
    const current = new Set(await this.groups.memberIds(principal, id));
    const wanted = new Set(input.members);
    await this.groups.change(principal, id, {
      displayName: input.displayName,
      externalId: input.externalId,
      members: {
        add: [...wanted].filter((member) => !current.has(member)),
        remove: [...current].filter((member) => !wanted.has(member)),
      },
    });
    return this.present(principal, id);
  }

  @Can('update', 'Scim', 'SCIM: rename a group or change its members with PatchOp operations')
  @Patch(':id')
  @HttpCode(204)
  @ApiBody(RESOURCE_BODY)
  async patch(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: JsonObject,
  ): Promise<void> {
    const operations = readOperations(body);
    const current = await this.groups.memberIds(principal, id);
    if (operations.length > 0) {
      await this.groups.change(principal, id, readGroupChange(operations, current));
    }
  }

  @Can('delete', 'Scim', 'SCIM: delete a group')
  @Delete(':id')
  @HttpCode(204)
  remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    return this.groups.remove(principal, id);
  }

  private async present(principal: Principal, id: string) {
    const { group, members } = await this.groups.get(principal, id, true);
    return groupResource(group, members, this.config.publicUrl);
  }
}
