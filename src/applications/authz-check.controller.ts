import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Can } from '../authz/can.decorator';
import { CurrentPrincipal } from '../authz/current-principal.decorator';
import type { Principal } from '../authz/principal';
import { CheckRequestDto, CheckResponseDto } from './dto/check.dto';
import { DecisionsService } from './decisions.service';

@ApiTags('Decisions')
@Controller('authz')
export class AuthzCheckController {
  constructor(private readonly decisions: DecisionsService) {}

  @Can(
    'check',
    'User',
    'May these users do these actions on these applications? Up to 100 checks; deny wins, no matching allow means deny',
  )
  @Post('check')
  @HttpCode(200)
  @ApiOkResponse({ type: CheckResponseDto })
  async check(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CheckRequestDto,
  ): Promise<CheckResponseDto> {
    return { results: await this.decisions.check(principal, body.checks) };
  }
}
