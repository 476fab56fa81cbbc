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
import { ApplicationsService } from './applications.service';
import {
  ApplicationListDto,
  ApplicationResponseDto,
  AssignmentsDto,
  CreateApplicationDto,
  ListApplicationsQueryDto,
  UpdateApplicationDto,
} from './dto/application.dto';
import {
  CreatePolicyDto,
  PolicyListDto,
  PolicyResponseDto,
  UpdatePolicyDto,
} from './dto/policy.dto';
import { PoliciesService } from './policies.service';

@ApiTags('Applications')
@Controller('applications')
export class ApplicationsController {
  constructor(
    private readonly applications: ApplicationsService,
    private readonly policies: PoliciesService,
  ) {}

  @Can(
    'read',
    'Application',
    'Applications the caller may see: all, or those assigned to them (directly or through a group) or owned by them',
  )
  @Get()
  @ApiOkResponse({ type: ApplicationListDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListApplicationsQueryDto,
  ): Promise<ApplicationListDto> {
    const { items, nextCursor } = await this.applications.list(principal, query);
    return { items: items.map((item) => ApplicationResponseDto.from(item)), nextCursor };
  }

  @Can('create', 'Application', 'Create an application; the caller becomes its owner')
  @Post()
  @ApiCreatedResponse({ type: ApplicationResponseDto })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateApplicationDto,
  ): Promise<ApplicationResponseDto> {
    return ApplicationResponseDto.from(await this.applications.create(principal, body));
  }

  @Can('read', 'Application', 'One application')
  @Get(':id')
  @ApiOkResponse({ type: ApplicationResponseDto })
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<ApplicationResponseDto> {
    return ApplicationResponseDto.from(await this.applications.get(principal, id));
  }

  @Can('update', 'Application', 'Rename or describe an application')
  @Patch(':id')
  @ApiOkResponse({ type: ApplicationResponseDto })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateApplicationDto,
  ): Promise<ApplicationResponseDto> {
    return ApplicationResponseDto.from(await this.applications.update(principal, id, body));
  }

  @Can('delete', 'Application', 'Delete an application and its policies')
  @Delete(':id')
  @HttpCode(204)
  remove(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    return this.applications.remove(principal, id);
  }

  @Can('assign', 'Application', 'Replace the users and groups an application is assigned to')
  @Put(':id/assignments')
  @ApiOkResponse({ type: AssignmentsDto })
  async assign(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: AssignmentsDto,
  ): Promise<AssignmentsDto> {
    const application = await this.applications.assign(principal, id, body);
    return ApplicationResponseDto.from(application).assignments;
  }

  @Can('read', 'Policy', 'The access policies of an application')
  @Get(':id/policies')
  @ApiOkResponse({ type: PolicyListDto })
  async listPolicies(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<PolicyListDto> {
    const policies = await this.policies.list(principal, id);
    return { items: policies.map((policy) => PolicyResponseDto.from(policy)), nextCursor: null };
  }

  @Can('create', 'Policy', 'Add an allow or deny policy to an application')
  @Post(':id/policies')
  @ApiCreatedResponse({ type: PolicyResponseDto })
  async createPolicy(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: CreatePolicyDto,
  ): Promise<PolicyResponseDto> {
    return PolicyResponseDto.from(await this.policies.create(principal, id, body));
  }

  @Can('update', 'Policy', 'Change a policy')
  @Patch(':id/policies/:policyId')
  @ApiOkResponse({ type: PolicyResponseDto })
  async updatePolicy(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('policyId', ParseUUIDPipe) policyId: string,
    @Body() body: UpdatePolicyDto,
  ): Promise<PolicyResponseDto> {
    return PolicyResponseDto.from(await this.policies.update(principal, id, policyId, body));
  }

  @Can('delete', 'Policy', 'Delete a policy')
  @Delete(':id/policies/:policyId')
  @HttpCode(204)
  removePolicy(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('policyId', ParseUUIDPipe) policyId: string,
  ): Promise<void> {
    return this.policies.remove(principal, id, policyId);
  }
}
