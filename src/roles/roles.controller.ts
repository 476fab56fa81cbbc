import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Res,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Can } from '../authz/can.decorator';
import { CurrentPrincipal } from '../authz/current-principal.decorator';
import { matrixCsv, matrixGrid, type MatrixRow } from '../authz/matrix-grid';
import type { Principal } from '../authz/principal';
import {
  CreateRoleDto,
  MatrixRowDto,
  RoleListItemDto,
  RoleResponseDto,
  UpdateRoleDto,
} from './dto/role.dto';
import { RolesService } from './roles.service';

@ApiTags('Roles')
@ApiExtraModels(RoleResponseDto, RoleListItemDto, MatrixRowDto)
@Controller('roles')
export class RolesController {
  constructor(private readonly roles: RolesService) {}

  @Can('read', 'Role', 'Built-in and custom roles the caller may see (not paginated)')
  @Get()
  @ApiOkResponse({
    schema: { type: 'array', maxItems: 1000, items: { $ref: getSchemaPath(RoleListItemDto) } },
  })
  list(@CurrentPrincipal() principal: Principal): Promise<RoleListItemDto[]> {
    return this.roles.list(principal);
  }

  @Can(
    'read',
    'Role',
    'The permission matrix of the built-in roles, as JSON or (Accept: text/csv) CSV',
  )
  @Get('matrix')
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    content: {
      'application/json': {
        schema: { type: 'array', maxItems: 1000, items: { $ref: getSchemaPath(MatrixRowDto) } },
      },
      'text/csv': { schema: { type: 'string', maxLength: 1_000_000 } },
    },
  })
  async matrix(
    @CurrentPrincipal() principal: Principal,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MatrixRow[] | string> {
    await this.roles.assertCanReadAllRoles(principal);
    if (accept?.includes('text/csv')) {
      void reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="warden-permission-matrix.csv"');
      return matrixCsv();
    }
    return matrixGrid();
  }

  @Can('create', 'Role', 'Create a custom role (no permission beyond the caller’s own)')
  @Post()
  @ApiCreatedResponse({ type: RoleResponseDto })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateRoleDto,
  ): Promise<RoleResponseDto> {
    return this.roles.create(principal, body);
  }

  @Can('update', 'Role', 'Change a custom role; built-in roles answer 403')
  @Patch(':key')
  @ApiOkResponse({ type: RoleResponseDto })
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('key') key: string,
    @Body() body: UpdateRoleDto,
  ): Promise<RoleResponseDto> {
    return this.roles.update(principal, key, body);
  }

  @Can('delete', 'Role', 'Delete a custom role; built-in roles answer 403')
  @Delete(':key')
  @HttpCode(204)
  remove(@CurrentPrincipal() principal: Principal, @Param('key') key: string): Promise<void> {
    return this.roles.remove(principal, key);
  }
}
