import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { DestinationStream } from 'pino';
import { AppConfig } from '../config/app-config';
import { LoggingModule } from './common/logging/logger';
import { ProblemDetailsFilter } from './common/problem/problem-details.filter';
import { AccessReviewsModule } from './access-reviews/access-reviews.module';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { ApplicationsModule } from './applications/applications.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { AuthzModule } from './authz/authz.module';
import type { Clock } from './common/clock/clock';
import { GroupsModule } from './groups/groups.module';
import { InvitesModule } from './invites/invites.module';
import { QueuesModule } from './queues/queues.module';
import { WorkersModule } from './workers.module';
import { HealthModule } from './health/health.module';
import { RolesModule } from './roles/roles.module';
import { SessionsModule } from './sessions/sessions.module';
import { SsoModule } from './sso/sso.module';
import { UsersModule } from './users/users.module';
import { ConfigModule } from './infra/config/config.module';
import { DatabaseModule } from './infra/database/database.module';
import { QueueModule } from './infra/queue/queue.module';
import { RedisModule } from './infra/redis/redis.module';
import { MetricsModule } from './metrics/metrics.module';
import { OffboardingModule } from './offboarding/offboarding.module';
import { ScimModule } from './scim/scim.module';
import { ERROR_FORMATS, type ErrorFormat } from './common/problem/error-format';
import { SCIM_ERROR_FORMAT } from './scim/scim-error';
import { OrganizationsModule } from './organizations/organizations.module';

/** Error shapes other than problem documents, by path prefix (used by the filter and by Fastify's own errors). */
export const APPLICATION_ERROR_FORMATS: readonly ErrorFormat[] = [SCIM_ERROR_FORMAT];

export interface AppModuleOptions {
  /** Where log lines go (tests capture them); stdout by default. */
  logDestination?: DestinationStream;
  /** Extra modules (tests add probes here). */
  imports?: DynamicModule['imports'];
  /** The time source (tests move time without sleeping). */
  clock?: Clock;
}

/** The infrastructure every process needs: config, logs, database, Redis, queues. */
export function infrastructureImports(config: AppConfig, options: AppModuleOptions = {}) {
  return [
    ConfigModule.forRoot(config, options.clock),
    LoggingModule.forRoot(config.logLevel, options.logDestination),
    AuditModule,
    AuthzModule,
    DatabaseModule,
    RedisModule,
    QueueModule,
  ];
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...infrastructureImports(config, options),
        HealthModule,
        MetricsModule,
        OrganizationsModule,
        OffboardingModule,
        ScimModule,
        RolesModule,
        SessionsModule,
        UsersModule,
        GroupsModule,
        ApiKeysModule,
        ApplicationsModule,
        AuthModule,
        SsoModule,
        InvitesModule,
        AccessReviewsModule,
        QueuesModule,
        ...(config.workersEnabled ? [WorkersModule] : []),
        ...(options.imports ?? []),
      ],
      providers: [
        // Errors under /scim/v2 in RFC 7644's shape; everything else as problem documents.
        { provide: ERROR_FORMATS, useValue: APPLICATION_ERROR_FORMATS },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
    };
  }
}
