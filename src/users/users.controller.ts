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
  Put,
  Query,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Can } from '../authz/can.decorator';
import { UserDirectoryService } from '../directory/users/user-directory.service';
import { CurrentPrincipal } from '../authz/current-principal.decorator';
import type { Principal } from '../authz/principal';
import {
  BulkResponseDto,
  BulkUsersDto,
  CreateUserDto,
  DeleteUserQueryDto,
  ListUsersQueryDto,
  ResetPasswordDto,
  SetRolesDto,
  UpdateUserDto,
} from './dto/user.dto';
import { UserListDto, UserResponseDto } from '../directory/users/user-response.dto';
import type { User } from '../directory/users/user.entity';
import { UserBulkService } from './user-bulk.service';
import { UserLifecycleService } from './user-lifecycle.service';
import { UserQueryService } from './user-query.service';
import { UsersService } from './users.service';

const uuid = new ParseUUIDPipe();

@ApiTags('Users')
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly directory: UserDirectoryService,
    private readonly lifecycle: UserLifecycleService,
    private readonly queries: UserQueryService,
    private readonly bulkService: UserBulkService,
  ) {}

  @Can('read', 'User', 'Users the caller may see: filter, sort, cursor pages, with statistics')
  @Get()
  @ApiOkResponse({ type: UserListDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListUsersQueryDto,
  ): Promise<UserListDto> {
    const { items, nextCursor } = await this.queries.list(principal, query);
    return {
      items: items.map(({ user, details }) =>
        UserResponseDto.from(user, details.groups, details.stats, details.mfaFactors),
      ),
      nextCursor,
    };
  }

  @Can('create', 'User', 'Create a user with an initial password, roles and groups')
  @Post()
  @ApiCreatedResponse({ type: UserResponseDto })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateUserDto,
  ): Promise<UserResponseDto> {
    return this.presentOne(principal, await this.users.create(principal, body));
  }

  @Can('update', 'User', 'Many users at once: a result per id; one failure undoes nothing else')
  @Post('bulk')
  @HttpCode(200)
  @ApiOkResponse({ type: BulkResponseDto })
  async bulk(
    @CurrentPrincipal() principal: Principal,
    @Body() body: BulkUsersDto,
  ): Promise<BulkResponseDto> {
    return { results: await this.bulkService.run(principal, body) };
  }

  @Can('read', 'User', 'One user, with statistics')
  @Get(':id')
  @ApiOkResponse({ type: UserResponseDto })
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
  ): Promise<UserResponseDto> {
    const { user, details } = await this.directory.readVisible(principal, id);
    return UserResponseDto.from(user, details.groups, details.stats, details.mfaFactors);
  }

  @Can('update', 'User', 'Change username, email (old and new are audited), display name or status')
  @Patch(':id')
  @ApiOkResponse({ type: UserResponseDto })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
    @Body() body: UpdateUserDto,
  ): Promise<UserResponseDto> {
    return this.presentOne(principal, await this.lifecycle.update(principal, id, body));
  }

  @Can(
    'assign',
    'Role',
    'Replace a user’s roles (no escalation; the last active Owner keeps the role)',
  )
  @Put(':id/roles')
  @ApiOkResponse({ type: UserResponseDto })
  async setRoles(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
    @Body() body: SetRolesDto,
  ): Promise<UserResponseDto> {
    return this.presentOne(principal, await this.lifecycle.setRoles(principal, id, body.roles));
  }

  @Can('update', 'User', 'Set a new password; by default every session of the user ends')
  @Post(':id/password')
  @HttpCode(204)
  resetPassword(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
    @Body() body: ResetPasswordDto,
  ): Promise<void> {
    return this.lifecycle.resetPassword(principal, id, body.password, body.revokeSessions ?? true);
  }

  @Can('update', 'User', 'Deactivate a user: sign-in refused, every session revoked at once')
  @Post(':id/deactivate')
  @HttpCode(200)
  @ApiOkResponse({ type: UserResponseDto })
  async deactivate(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
  ): Promise<UserResponseDto> {
    return this.presentOne(principal, await this.lifecycle.setStatus(principal, id, 'inactive'));
  }

  @Can('update', 'User', 'Activate a deactivated user')
  @Post(':id/activate')
  @HttpCode(200)
  @ApiOkResponse({ type: UserResponseDto })
  async activate(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
  ): Promise<UserResponseDto> {
    return this.presentOne(principal, await this.lifecycle.setStatus(principal, id, 'active'));
  }

  @Can('update', 'User', 'Lift a sign-in lock left by repeated failures, and reset the count')
  @Post(':id/unlock')
  @HttpCode(200)
  @ApiOkResponse({ type: UserResponseDto })
  async unlock(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
  ): Promise<UserResponseDto> {
    return this.presentOne(principal, await this.lifecycle.unlock(principal, id));
  }

  @Can('delete', 'User', 'Delete a user permanently (never yourself; never the last active Owner)')
  @Delete(':id')
  @HttpCode(204)
  remove(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
    @Query() query: DeleteUserQueryDto,
  ): Promise<void> {
    return this.lifecycle.remove(principal, id, query.transferOwnershipTo);
  }

  private async presentOne(principal: Principal, user: User): Promise<UserResponseDto> {
    const [presented] = await this.present(principal, [user]);
    return presented;
  }

  /** User objects with their groups and statistics, in one batched query for the whole page. */
  private async present(principal: Principal, users: User[]): Promise<UserResponseDto[]> {
    const details = await this.queries.rowDetails(
      principal.organizationId,
      users.map((user) => user.id),
    );
    return users.map((user) => {
      const row = details.get(user.id);
      return UserResponseDto.from(user, row?.groups ?? [], row?.stats, row?.mfaFactors);
    });
  }
}
