import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Can } from '../authz/can.decorator';
import { CurrentPrincipal } from '../authz/current-principal.decorator';
import type { Principal } from '../authz/principal';
import { AuditExportService } from './audit-export.service';
import { AuditQueryService } from './audit-query.service';
import { AuditVerifierService } from './audit-verifier.service';
import {
  AuditEventListDto,
  AuditEventResponseDto,
  ExportAuditEventsQueryDto,
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
    private readonly exporter: AuditExportService,
  ) {}

  @Can(
    'export',
    'AuditEvent',
    'Stream the filtered events, oldest first, as CSV, NDJSON or one JSON array (an audited action)',
  )
  @Get('export')
  @ApiProduces('text/csv', 'application/x-ndjson', 'application/json')
  @ApiOkResponse({
    description:
      'The events as a file (Content-Disposition: attachment), with their seq, prevHash and hash',
  })
  async export(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ExportAuditEventsQueryDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { format = 'csv', ...filters } = query;
    const file = await this.exporter.open(principal, format, filters);
    await reply
      .header('content-type', file.contentType)
      .header('content-disposition', `attachment; filename="${file.filename}"`)
      .header('cache-control', 'no-store')
      .send(file.body);
  }

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
