import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { withTimeout } from '../common/with-timeout';

@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly em: EntityManager,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(key = 'database') {
    const indicator = this.indicators.check(key);
    try {
      await withTimeout(
        this.em.getConnection().execute('select 1'),
        2_000,
        'PostgreSQL did not answer',
      );
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
