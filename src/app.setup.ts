import { MikroORM } from '@mikro-orm/core';
import { type INestApplication, RequestMethod, VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { IncomingMessage } from 'node:http';
import { AppConfig } from '../config/app-config';
import { APPLICATION_ERROR_FORMATS, AppModule, type AppModuleOptions } from './app.module';
import { API_PREFIX, API_VERSION } from './common/http/api-path';
import { registerBoundedJsonParser } from './common/http/bounded-json-parser';
import { clientErrorHandler, frameworkErrors } from './common/http/framework-errors';
import { ACCESS_LOGGER, type AccessLog, NestPinoLogger } from './common/logging/logger';
import { requestIdFrom } from './common/logging/request-id';
import { registerRequestHooks } from './common/http/request-hooks';
import { securityHeaders } from './common/http/security-headers';
import { StrictValidationPipe } from './common/problem/strict-validation.pipe';
import { MetricsService } from './metrics/metrics.service';
import { RequestForks } from './infra/database/request-scope';
import { waitForConfiguredDatabase } from './infra/database/wait-for-database';
import { SSO_CALLBACK_ROUTE } from './sso/sso-auth.controller';
import { buildOpenApiDocument } from './openapi';
import { defaultConsoleDirectory, registerConsole } from './console/console-routes';

/**
 * Every API route is /api/v<version>/...; probes and metrics stay at the root,
 * where orchestrators and Prometheus look for them. Shared by the app and the
 * OpenAPI writer, so the document names the paths the app serves.
 */
export function configureRouting(app: INestApplication): void {
  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
      // SCIM clients are configured with a base URL of their own (/scim/v2).
      'scim/v2/{*path}',
    ],
  });
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: API_VERSION });
}

/**
 * Builds the HTTP application exactly as production runs it; `main.ts` and the
 * e2e harness both call this, so tests exercise the real pipes, filters and hooks.
 */
export async function createApp(
  config: AppConfig,
  options: AppModuleOptions = {},
): Promise<NestFastifyApplication> {
  await waitForConfiguredDatabase(config);
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    genReqId: (request: IncomingMessage) => requestIdFrom(request.headers['x-request-id']),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    frameworkErrors: frameworkErrors(APPLICATION_ERROR_FORMATS),
    clientErrorHandler,
    logger: false,
    // No Nest middleware anywhere (request context and access log are Fastify
    // hooks): without @fastify/middie no request walks an empty middleware chain.
    skipMiddie: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options),
    adapter,
    // Fastify's own JSON parser (with the poisoning options above) stays; Nest's
    // parsers would also accept form bodies on every route.
    { bufferLogs: true, abortOnError: false, bodyParser: false },
  );
  app.useLogger(app.get(NestPinoLogger));
  // No enableShutdownHooks(): main.ts and worker.ts handle SIGTERM/SIGINT themselves
  // (onShutdownSignal); Nest's own listeners closed the app a second time, and the
  // audit export pool's second end() made every shutdown exit 1.

  const fastify = app.getHttpAdapter().getInstance();
  const orm = app.get(MikroORM);
  registerRequestHooks(fastify, {
    databaseState: () => new RequestForks(orm.em),
    accessLog: app.get<AccessLog>(ACCESS_LOGGER),
    metrics: app.get(MetricsService),
    trustProxy: config.trustProxy,
    headers: securityHeaders({
      // Swagger UI loads its own scripts and styles from /docs.
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          styleSrc: ["'self'", "'unsafe-inline'"],
        },
      },
    }),
  });

  registerBoundedJsonParser(
    fastify,
    { maxDepth: config.bodyMaxDepth, maxMembers: config.bodyMaxMembers },
    // SCIM clients send either (RFC 7644 §3.1).
    ['application/json', 'application/scim+json'],
  );

  // Form bodies only where a browser posts one: the SAML assertion consumer
  // service. Everywhere else they stay 415, so a cross-site HTML form cannot
  // drive the JSON API.
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (request, body, done) => {
      if (request.routeOptions.url !== SSO_CALLBACK_ROUTE) {
        done(Object.assign(new Error('Unsupported Media Type'), { statusCode: 415 }), undefined);
        return;
      }
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    },
  );

  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: [...config.corsOrigins],
      exposedHeaders: ['X-Request-Id', 'Retry-After'],
    });
  }

  await registerConsole(fastify, defaultConsoleDirectory());

  configureRouting(app);
  app.useGlobalPipes(new StrictValidationPipe());

  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'openapi.json',
    raw: ['json'],
    ui: config.docsEnabled,
    customSiteTitle: 'Warden API',
  });
  return app;
}
