import {
  Controller,
  Get,
  HttpStatus,
  ServiceUnavailableException,
  VERSION_NEUTRAL,
} from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { HealthCheckService } from '@nestjs/terminus';
import { Public } from '../authz/public.decorator';
import { ProblemException } from '../common/problem/problem';
import { DatabaseHealthIndicator } from './database.health';
import { LivenessDto, ReadinessDto } from './health.dto';
import { RedisHealthIndicator } from './redis.health';

@ApiTags('Service')
@Controller({ path: 'health', version: VERSION_NEUTRAL })
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  /** Liveness: the process runs and answers. Checks no dependency. */
  @Public() // probes run without credentials
  @Get('live')
  @ApiOperation({ summary: 'Liveness probe' })
  @ApiOkResponse({ description: 'The process is alive.', type: LivenessDto })
  live(): LivenessDto {
    return { status: 'ok' };
  }

  /** Readiness: PostgreSQL and Redis both answer. */
  @Public() // probes run without credentials
  @Get('ready')
  @ApiOperation({ summary: 'Readiness probe: PostgreSQL and Redis answer' })
  @ApiOkResponse({ description: 'PostgreSQL and Redis answer.', type: ReadinessDto })
  @ApiServiceUnavailableResponse({ description: 'PostgreSQL or Redis does not answer.' })
  async ready(): Promise<ReadinessDto> {
    try {
      const result = await this.health.check([
        () => this.database.check(),
        () => this.redis.check(),
      ]);
      return { status: 'ok', details: result.details as unknown as ReadinessDto['details'] };
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as { error?: Record<string, { message?: string }> };
      const failing = Object.entries(result.error ?? {}).map(
        ([name, detail]) => `${name} (${detail.message ?? 'down'})`,
      );
      throw new ProblemException(
        HttpStatus.SERVICE_UNAVAILABLE,
        `Not ready: ${failing.join(', ')}.`,
        {
          type: 'dependency-unavailable',
          headers: { 'retry-after': '5' },
        },
      );
    }
  }
}
