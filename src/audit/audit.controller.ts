import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Can } from '../authz/can.decorator';
import { CurrentPrincipal } from '../authz/current-principal.decorator';
import type { Principal } from '../authz/principal';
import { AuditQueryService } from './audit-query.service';
import { AuditVerifierService } from './audit-verifier.service';
import {
  AuditEventListDto,
  AuditEventResponseDto,
  ListAuditEventsQueryDto,
  VerificationDto,
  VerifyAuditQueryDto,
} from './dto/audit-event.dto';

@ApiTags('Audit')
@Controller('api/v1/audit-events')
export class AuditController {
  constructor(
    private readonly queries: AuditQueryService,
    private readonly verifier: AuditVerifierService,
  ) {}

  @Can(
    'read',
    'AuditEvent',
    'Recompute the hash chain and name the first altered, removed or inserted event',
  )
  @Get('verify')
  @ApiOkResponse({ type: VerificationDto })
  verify(
    @CurrentPrincipal() principal: Principal,
    @Query() query: VerifyAuditQueryDto,
  ): Promise<VerificationDto> {
    return this.verifier.verify(principal, query);
  }

  @Can('read', 'AuditEvent', 'Audit events, newest first, with filters and cursor pages')
  @Get()
  @ApiOkResponse({ type: AuditEventListDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListAuditEventsQueryDto,
  ): Promise<AuditEventListDto> {
    const { items, nextCursor } = await this.queries.list(principal, query);
    return { items: items.map((event) => AuditEventResponseDto.from(event)), nextCursor };
  }
}
