import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Can } from '../authz/can.decorator';
import { CurrentPrincipal } from '../authz/current-principal.decorator';
import type { Principal } from '../authz/principal';
import { OrganizationResponseDto, UpdateOrganizationDto } from './dto/organization.dto';
import { OrganizationsService } from './organizations.service';

@ApiTags('Organization')
@Controller('organization')
export class OrganizationController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Can('read', 'Organization', 'The caller’s organization with its effective settings')
  @Get()
  @ApiOkResponse({ type: OrganizationResponseDto })
  async get(@CurrentPrincipal() principal: Principal): Promise<OrganizationResponseDto> {
    return OrganizationResponseDto.from(await this.organizations.getOwn(principal));
  }

  @Can('update', 'Organization', 'Change the organization’s name or settings')
  @Patch()
  @ApiOkResponse({ type: OrganizationResponseDto })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Body() body: UpdateOrganizationDto,
  ): Promise<OrganizationResponseDto> {
    return OrganizationResponseDto.from(await this.organizations.update(principal, body));
  }
}
