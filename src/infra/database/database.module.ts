import { MikroORM } from '@mikro-orm/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Global, Injectable, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config';
import { baseOrmOptions } from '../../../config/mikro-orm.config';
import { PreparedReads } from './prepared-statement';
import { requestEntityManager } from './request-scope';

/** Applies pending migrations before any module starts using the database. */
@Injectable()
export class MigrationRunner implements OnModuleInit {
  private readonly logger = new Logger('Migrations');

  constructor(
    private readonly orm: MikroORM,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.databaseMigrate) return;
    const applied = await this.orm.getMigrator().up();
    if (applied.length > 0) {
      this.logger.log(
        `Applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}`,
      );
    }
  }
}

/**
 * PostgreSQL through MikroORM: one ORM per process, a request-scoped
 * EntityManager fork per HTTP request (made in app.setup.ts), migrations applied at start. Feature
 * modules register their entities with MikroOrmModule.forFeature.
 */
@Global()
@Module({
  imports: [
    MikroOrmModule.forRootAsync({
      driver: PostgreSqlDriver,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        if (config.databaseUrl === undefined) {
          throw new Error('DATABASE_URL is not resolved: start the embedded PostgreSQL first.');
        }
        return {
          ...baseOrmOptions(config.databaseUrl, config.databasePoolMax),
          autoLoadEntities: true,
          // The request's EntityManager fork is made by the Fastify onRequest hook
          // (app.setup.ts), not by a Nest middleware: no middleware layer per request.
          // It lives in the request context's store, and the ORM finds it there.
          registerRequestContext: false,
          context: requestEntityManager,
        };
      },
    }),
  ],
  providers: [MigrationRunner, PreparedReads],
  exports: [PreparedReads],
})
export class DatabaseModule {}
