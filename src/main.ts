import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError, loadConfig } from '../config/app-config';
import { createApp } from './app.setup';
import { CONSOLE_PATH } from './console/console-routes';
import { type DevServices, startDevServices } from './infra/dev-services/dev-services';
import { onShutdownSignal } from './shutdown';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = new Logger('Warden');
  // Handled from the start: a signal while PostgreSQL or the app is starting
  // closes what has started, the app before the services it uses.
  const started: { services?: DevServices; app?: NestFastifyApplication } = {};
  onShutdownSignal(async () => {
    await started.app?.close();
    await started.services?.stop();
  });
  const services = await startDevServices(config, (message) => logger.log(message));
  started.services = services;
  const app = await createApp(services.config);
  started.app = app;
  await app.listen({ port: config.port, host: config.host });
  const base = config.publicUrl;
  logger.log(`Warden API listening on ${base}/api/v1`);
  logger.log(`Admin console: ${base}${CONSOLE_PATH}/`);
  logger.log(
    `OpenAPI document: ${base}/openapi.json${config.docsEnabled ? ` · Swagger UI: ${base}/docs` : ''}`,
  );
}

main().catch((error: unknown) => {
  // A configuration or start-up error: say what is wrong, without a stack trace for config errors.
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});
