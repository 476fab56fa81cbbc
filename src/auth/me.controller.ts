import { Body, Controller, Get, HttpCode, Patch, Put } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../authz/can.decorator';
import { CurrentPrincipal } from '../authz/current-principal.decorator';
import { selfOf } from '../authz/authz.service';
import type { Principal } from '../authz/principal';
import { UserDirectoryService } from '../directory/users/user-directory.service';
import { UserResponseDto } from '../directory/users/user-response.dto';
import { UsersService } from '../users/users.service';
import { MfaService } from '../mfa/mfa.service';
import { AuthService } from './auth.service';
import { ChangePasswordDto, MeResponseDto, UpdateMeDto } from './dto/auth.dto';

@ApiTags('Authentication')
@Controller('me')
export class MeController {
  constructor(
    private readonly users: UsersService,
    private readonly directory: UserDirectoryService,
    private readonly auth: AuthService,
    private readonly mfa: MfaService,
  ) {}

  @Authenticated(
    'The caller: profile, organization, roles, groups and effective permissions (CASL rules)',
  )
  @Get()
  @ApiOkResponse({ type: MeResponseDto })
  async me(@CurrentPrincipal() principal: Principal): Promise<MeResponseDto> {
    const user = await this.directory.findVisible(principal, selfOf(principal));
    const organization = await this.directory.organization(principal.organizationId);
    const factors = await this.mfa.factorsOf(principal.organizationId, user.id);
    return {
      user: UserResponseDto.from(user),
      // Which second factors the caller has (types and names, never secrets).
      mfa: {
        enrolled: factors.some((factor) => factor.confirmedAt !== null),
        factors: factors
          .filter((factor) => factor.confirmedAt !== null)
          .map((factor) => ({ id: factor.id, type: factor.type, name: factor.name })),
      },
      organization: { id: organization.id, slug: organization.slug, name: organization.name },
      roles: principal.effectiveRoles,
      groups: principal.groupIds,
      permissions: principal.ability.rules,
    };
  }

  @Authenticated('Change the caller’s own profile (display name)')
  @Patch()
  @ApiOkResponse({ type: UserResponseDto })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Body() body: UpdateMeDto,
  ): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.users.updateOwnProfile(principal, body));
  }

  @Authenticated('Change the caller’s own password; their other sessions are revoked')
  @Put('password')
  @HttpCode(204)
  changePassword(
    @CurrentPrincipal() principal: Principal,
    @Body() body: ChangePasswordDto,
  ): Promise<void> {
    return this.auth.changeOwnPassword(principal, body);
  }
}
