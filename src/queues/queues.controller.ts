import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiParam, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Can } from '../authz/can.decorator';
import { CurrentPrincipal } from '../authz/current-principal.decorator';
import type { Principal } from '../authz/principal';
import { QUEUE_NAMES } from '../infra/queue/queues';
import { QueuesService } from './queues.service';

export class QueueCountsDto {
  @ApiProperty({ minimum: 0 }) waiting!: number;
  @ApiProperty({ minimum: 0 }) active!: number;
  @ApiProperty({ minimum: 0 }) delayed!: number;
  @ApiProperty({ minimum: 0 }) completed!: number;
  @ApiProperty({ minimum: 0 }) failed!: number;
  @ApiProperty({ minimum: 0 }) prioritized!: number;
}

export class QueueSummaryDto {
  @ApiProperty({ enum: QUEUE_NAMES }) name!: string;
  @ApiProperty({ type: QueueCountsDto }) counts!: QueueCountsDto;
}

export class QueueListDto {
  @ApiProperty({ type: [QueueSummaryDto], maxItems: 10 }) items!: QueueSummaryDto[];
}

export class FailedJobDto {
  @ApiProperty({ maxLength: 100 }) id!: string;
  @ApiProperty({ maxLength: 100 }) name!: string;
  @ApiProperty({ maxLength: 2000 }) failedReason!: string;
  @ApiProperty({ minimum: 0 }) attemptsMade!: number;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) failedAt!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: Record<string, unknown>;
}

export class FailedJobListDto {
  @ApiProperty({ type: [FailedJobDto], maxItems: 200 }) items!: FailedJobDto[];
}

export class FailedJobsQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
}

@ApiTags('Queues')
@Controller('queues')
export class QueuesController {
  constructor(private readonly queues: QueuesService) {}

  @Can('read', 'Queue', 'Job counts of each queue (mail, maintenance)')
  @Get()
  @ApiOkResponse({ type: QueueListDto })
  async list(): Promise<QueueListDto> {
    return { items: await this.queues.summaries() };
  }

  @Can('read', 'Queue', 'Failed jobs of a queue that belong to your organization, newest first')
  @Get(':name/failed')
  @ApiOkResponse({ type: FailedJobListDto })
  @ApiParam({ name: 'name', enum: QUEUE_NAMES })
  async failed(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Query() query: FailedJobsQueryDto,
  ): Promise<FailedJobListDto> {
    return { items: await this.queues.failed(principal, name, query.limit ?? 50) };
  }
}
