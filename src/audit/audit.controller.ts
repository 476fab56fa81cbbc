import { Controller, Get, Header, HttpStatus, Post, Query, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Can } from '../authz/can.decorator';
import { CurrentPrincipal } from '../authz/current-principal.decorator';
import type { Principal } from '../authz/principal';
import { Public } from '../authz/public.decorator';
import { ProblemException } from '../common/problem/problem';
import { AuditCheckpointService } from './audit-checkpoints.service';
import { AuditExportService } from './audit-export.service';
import { AuditQueryService } from './audit-query.service';
import { AuditVerifierService } from './audit-verifier.service';
import {
  AuditEventListDto,
  AuditEventResponseDto,
  CheckpointDto,
  CheckpointListDto,
  ListCheckpointsQueryDto,
  SigningKeyDto,
  ExportAuditEventsQueryDto,
  ListAuditEventsQueryDto,
  VerificationDto,
  VerifyAuditQueryDto,
} from './dto/audit-event.dto';

@ApiTags('Audit')
@Controller('audit-events')
export class AuditController {
  constructor(
    private readonly queries: AuditQueryService,
    private readonly verifier: AuditVerifierService,
    private readonly exporter: AuditExportService,
    private readonly checkpointService: AuditCheckpointService,
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

  @Can('read', 'AuditEvent', 'Signed checkpoints of the chain, newest first, in cursor pages')
  @Get('checkpoints')
  @ApiOkResponse({ type: CheckpointListDto })
  checkpoints(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListCheckpointsQueryDto,
  ): Promise<CheckpointListDto> {
    return this.checkpointService.list(principal, {
      limit: query.limit ?? 50,
      beforeSeq: query.cursor,
    });
  }

  @Can(
    'read',
    'AuditEvent',
    'Sign the chain head now (the maintenance job also does, hourly); an audited action',
  )
  @Post('checkpoints')
  @ApiCreatedResponse({ type: CheckpointDto })
  async issueCheckpoint(@CurrentPrincipal() principal: Principal): Promise<CheckpointDto> {
    const checkpoint = await this.checkpointService.issue(principal);
    if (checkpoint === null)
      throw new ProblemException(HttpStatus.CONFLICT, 'The audit trail has no event to sign yet.', {
        type: 'conflict',
      });
    return checkpoint;
  }

  @Public() // a public key: auditors fetch it from anywhere, and it proves nothing by itself
  @Get('public-key')
  @Header('cache-control', 'public, max-age=300')
  @ApiOperation({
    summary: 'The key that verifies audit checkpoints',
    description:
      'The Ed25519 public key, as a JSON Web Key (kid = the keyId in each checkpoint). Auditors keep it with the checkpoints they archive.',
  })
  @ApiOkResponse({ type: SigningKeyDto })
  publicKey(): SigningKeyDto {
    return this.checkpointService.publicKey();
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
