import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from '../config/app-config';
import { createApp } from './app.setup';
import { CONSOLE_PATH } from './console/console-routes';
import { startDevServices } from './infra/dev-services/dev-services';
import { onShutdownSignal } from './shutdown';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = new Logger('Warden');
  const services = await startDevServices(config, (message) => logger.log(message));
  const app = await createApp(services.config);
  onShutdownSignal(async () => {
    await app.close();
    await services.stop();
  });
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
