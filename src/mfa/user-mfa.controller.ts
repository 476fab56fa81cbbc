import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Can } from '../authz/can.decorator';
import { CurrentPrincipal } from '../authz/current-principal.decorator';
import type { Principal } from '../authz/principal';
import { MfaFactorDto, MfaFactorListDto } from './dto/mfa.dto';
import { MfaService } from './mfa.service';

/** An administrator's view of a user's second factors, and the reset for a lost authenticator. */
@ApiTags('Users')
@Controller('users/:id/mfa')
export class UserMfaController {
  constructor(private readonly mfa: MfaService) {}

  @Can('read', 'User', 'A user’s second factors (types and names, never secrets)')
  @Get()
  @ApiOkResponse({ type: MfaFactorListDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<MfaFactorListDto> {
    const factors = await this.mfa.factorsOfUser(principal, id);
    return {
      factors: factors.map((factor) => MfaFactorDto.from(factor)),
      recoveryCodesLeft: await this.mfa.recoveryCodesLeft(principal.organizationId, id),
    };
  }

  @Can('update', 'User', 'Reset a user’s second factors: all removed, every session ended')
  @Delete()
  @HttpCode(204)
  reset(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    return this.mfa.reset(principal, id);
  }
}
