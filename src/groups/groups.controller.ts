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
import { Can } from '../authz/can.decorator';
import { CurrentPrincipal } from '../authz/current-principal.decorator';
import type { Principal } from '../authz/principal';
import { UserListDto, UserResponseDto } from '../directory/users/user-response.dto';
import {
  AddMembersDto,
  CreateGroupDto,
  GroupListDto,
  GroupResponseDto,
  UpdateGroupDto,
} from './dto/group.dto';
import { GroupsService } from './groups.service';

@ApiTags('Groups')
@Controller('groups')
export class GroupsController {
  constructor(private readonly groups: GroupsService) {}

  @Can('read', 'Group', 'Groups the caller may see: all, or only their own')
  @Get()
  @ApiOkResponse({ type: GroupListDto })
  async list(@CurrentPrincipal() principal: Principal): Promise<GroupListDto> {
    const rows = await this.groups.list(principal);
    return {
      items: rows.map((row) => GroupResponseDto.from(row.group, row.memberCount)),
      nextCursor: null,
    };
  }

  @Can('create', 'Group', 'Create a group; its roles are inherited by its members')
  @Post()
  @ApiCreatedResponse({ type: GroupResponseDto })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateGroupDto,
  ): Promise<GroupResponseDto> {
    return GroupResponseDto.from(await this.groups.create(principal, body), 0);
  }

  @Can('read', 'Group', 'One group')
  @Get(':id')
  @ApiOkResponse({ type: GroupResponseDto })
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<GroupResponseDto> {
    const { group, memberCount } = await this.groups.get(principal, id);
    return GroupResponseDto.from(group, memberCount);
  }

  @Can('update', 'Group', 'Rename, describe or change the roles of a group')
  @Patch(':id')
  @ApiOkResponse({ type: GroupResponseDto })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateGroupDto,
  ): Promise<GroupResponseDto> {
    const { group, memberCount } = await this.groups.update(principal, id, body);
    return GroupResponseDto.from(group, memberCount);
  }

  @Can('delete', 'Group', 'Delete a group; its members lose the roles it gave them')
  @Delete(':id')
  @HttpCode(204)
  remove(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    return this.groups.remove(principal, id);
  }

  @Can('read', 'Group', 'The members of a group')
  @Get(':id/members')
  @ApiOkResponse({ type: UserListDto })
  async members(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<UserListDto> {
    const users = await this.groups.members(principal, id);
    return { items: users.map((user) => UserResponseDto.from(user)), nextCursor: null };
  }

  @Can('update', 'Group', 'Add members; they inherit the group’s roles at once')
  @Post(':id/members')
  @HttpCode(200)
  async addMembers(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: AddMembersDto,
  ): Promise<{ added: string[] }> {
    return { added: await this.groups.addMembers(principal, id, body.userIds) };
  }

  @Can('update', 'Group', 'Remove a member')
  @Delete(':id/members/:userId')
  @HttpCode(204)
  removeMember(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('userId', ParseUUIDPipe) userId: string,
  ): Promise<void> {
    return this.groups.removeMember(principal, id, userId);
  }
}
