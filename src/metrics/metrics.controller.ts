import { Controller, Get, Header, Headers, HttpStatus, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../../config/app-config';
import { Public } from '../authz/public.decorator';
import { ProblemException } from '../common/problem/problem';
import { MetricsService } from './metrics.service';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

@ApiExcludeController()
@Controller({ path: 'metrics', version: VERSION_NEUTRAL })
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  /** Prometheus scrape; guarded by METRICS_TOKEN (a scraper credential, not a user) when set. */
  @Public()
  @Get()
  @Header('cache-control', 'no-store')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(@Headers('authorization') authorization?: string): Promise<string> {
    if (!this.config.metricsEnabled) {
      throw new ProblemException(
        HttpStatus.NOT_FOUND,
        'Metrics are disabled (METRICS_ENABLED=false).',
      );
    }
    const token = this.config.metricsToken;
    if (token !== undefined && !sameSecret(authorization ?? '', `Bearer ${token}`)) {
      throw new ProblemException(HttpStatus.UNAUTHORIZED, 'A valid metrics token is required.', {
        headers: { 'www-authenticate': 'Bearer realm="metrics"' },
      });
    }
    return this.metrics.registry.metrics();
  }
}
