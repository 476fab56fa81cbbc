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
import { CurrentPrincipal } from '../authz/current-principal.decorator';
import type { Principal } from '../authz/principal';
import { SessionListDto, SessionResponseDto } from '../sessions/dto/session.dto';
import {
  BulkResponseDto,
  BulkUsersDto,
  CreateUserDto,
  ListUsersQueryDto,
  ResetPasswordDto,
  SetRolesDto,
  UpdateUserDto,
  UserListDto,
  UserResponseDto,
} from './dto/user.dto';
import type { User } from './entities/user.entity';
import { UserBulkService } from './user-bulk.service';
import { UserQueryService } from './user-query.service';
import { UsersService } from './users.service';

@ApiTags('Users')
@Controller('api/v1/users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly queries: UserQueryService,
    private readonly bulkService: UserBulkService,
  ) {}

  @Can('create', 'User', 'Create a user with an initial password, roles and groups')
  @Post()
  @ApiCreatedResponse({ type: UserResponseDto })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateUserDto,
  ): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.users.create(principal, body));
  }

  @Can('read', 'User', 'One user')
  @Get(':id')
  @ApiOkResponse({ type: UserResponseDto })
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.users.findVisible(principal, id));
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
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: SetRolesDto,
  ): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.users.setRoles(principal, id, body.roles));
  }

  @Can('update', 'User', 'Deactivate a user: sign-in refused, every session revoked at once')
  @Post(':id/deactivate')
  @HttpCode(200)
  @ApiOkResponse({ type: UserResponseDto })
  async deactivate(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.users.setStatus(principal, id, 'inactive'));
  }

  @Can('update', 'User', 'Activate a deactivated user')
  @Post(':id/activate')
  @HttpCode(200)
  @ApiOkResponse({ type: UserResponseDto })
  async activate(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.users.setStatus(principal, id, 'active'));
  }
}
