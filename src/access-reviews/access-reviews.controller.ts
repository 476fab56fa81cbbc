import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { Can } from '../authz/can.decorator';
import { CurrentPrincipal } from '../authz/current-principal.decorator';
import type { Principal } from '../authz/principal';
import { AccessReviewDecisionsService } from './access-review-decisions.service';
import { REPORT_CONTENT_TYPES } from './access-review-report';
import { AccessReviewsService } from './access-reviews.service';
import {
  AccessReviewItemListDto,
  AccessReviewItemResponseDto,
  AccessReviewListDto,
  AccessReviewResponseDto,
  BulkDecideDto,
  BulkDecideResponseDto,
  CreateAccessReviewDto,
  DecideItemDto,
  ListAccessReviewsQueryDto,
  ListReviewItemsQueryDto,
  ReportQueryDto,
  UpdateAccessReviewDto,
} from './dto/access-review.dto';

@ApiTags('Access reviews')
@Controller('access-reviews')
export class AccessReviewsController {
  constructor(
    private readonly campaigns: AccessReviewsService,
    private readonly decisions: AccessReviewDecisionsService,
  ) {}

  @Can(
    'create',
    'AccessReview',
    'Start a campaign: its items (who holds what, granted by whom and when, last activity) are snapshotted now',
  )
  @Post()
  @ApiCreatedResponse({ type: AccessReviewResponseDto })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateAccessReviewDto,
  ): Promise<AccessReviewResponseDto> {
    const campaign = await this.campaigns.create(principal, body);
    return AccessReviewResponseDto.from(campaign, await this.campaigns.counts(campaign.id));
  }

  @Can(
    'read',
    'AccessReview',
    'Campaigns the caller runs, reads, or reviews items of; newest first',
  )
  @Get()
  @ApiOkResponse({ type: AccessReviewListDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListAccessReviewsQueryDto,
  ): Promise<AccessReviewListDto> {
    const page = await this.campaigns.list(principal, query);
    return {
      items: page.items.map(({ campaign, counts }) =>
        AccessReviewResponseDto.from(campaign, counts),
      ),
      nextCursor: page.nextCursor,
    };
  }

  @Can(
    'read',
    'AccessReviewItem',
    'Items to review (a reviewer sees their own), least recent activity first',
  )
  @Get('items')
  @ApiOkResponse({ type: AccessReviewItemListDto })
  async items(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListReviewItemsQueryDto,
  ): Promise<AccessReviewItemListDto> {
    const page = await this.decisions.list(principal, query);
    return {
      items: page.items.map((item) => AccessReviewItemResponseDto.from(item)),
      nextCursor: page.nextCursor,
    };
  }

  @Can(
    'decide',
    'AccessReviewItem',
    'Decide many items, each as the single decision would (one result per item)',
  )
  @Post('items/decisions')
  @HttpCode(200)
  @ApiOkResponse({ type: BulkDecideResponseDto })
  async decideMany(
    @CurrentPrincipal() principal: Principal,
    @Body() body: BulkDecideDto,
  ): Promise<BulkDecideResponseDto> {
    return { results: await this.decisions.decideMany(principal, body) };
  }

  @Can(
    'decide',
    'AccessReviewItem',
    'Keep or revoke one item: a revoke removes the access at once; decisions are final; never one’s own access',
  )
  @Post('items/:id/decision')
  @HttpCode(200)
  @ApiOkResponse({ type: AccessReviewItemResponseDto })
  async decide(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) itemId: string,
    @Body() body: DecideItemDto,
  ): Promise<AccessReviewItemResponseDto> {
    return AccessReviewItemResponseDto.from(await this.decisions.decide(principal, itemId, body));
  }

  @Can('read', 'AccessReview', 'One campaign with its item counts')
  @Get(':id')
  @ApiOkResponse({ type: AccessReviewResponseDto })
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<AccessReviewResponseDto> {
    const { campaign, counts } = await this.campaigns.get(principal, id);
    return AccessReviewResponseDto.from(campaign, counts);
  }

  @Can(
    'update',
    'AccessReview',
    'Move the due date of an active campaign, or change (or stop) the recurrence on a series’ latest campaign',
  )
  @Patch(':id')
  @ApiOkResponse({ type: AccessReviewResponseDto })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateAccessReviewDto,
  ): Promise<AccessReviewResponseDto> {
    const campaign = await this.campaigns.update(principal, id, body);
    return AccessReviewResponseDto.from(campaign, await this.campaigns.counts(campaign.id));
  }

  @Can(
    'update',
    'AccessReview',
    'Complete a campaign now (undecided items stay undecided); it is immutable afterwards',
  )
  @Post(':id/complete')
  @HttpCode(200)
  @ApiOkResponse({ type: AccessReviewResponseDto })
  async complete(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<AccessReviewResponseDto> {
    const campaign = await this.campaigns.complete(principal, id);
    return AccessReviewResponseDto.from(campaign, await this.campaigns.counts(campaign.id));
  }

  @Can(
    'export',
    'AccessReview',
    'The campaign report: every item, decision, reviewer, time and the change it caused (an audited action)',
  )
  @Get(':id/report')
  @ApiProduces('text/csv', 'application/json')
  @ApiOkResponse({ description: 'The report as a file (Content-Disposition: attachment)' })
  async report(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: ReportQueryDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const format = query.format ?? 'csv';
    const { campaign, body } = await this.campaigns.openReport(principal, id, format);
    await reply
      .header('content-type', REPORT_CONTENT_TYPES[format])
      .header(
        'content-disposition',
        `attachment; filename="access-review-${campaign.id}.${format}"`,
      )
      .header('cache-control', 'no-store')
      .send(Readable.from(body));
  }
}
