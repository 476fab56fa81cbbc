import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestPinoLogger } from './common/logging/logger';
import { ConfigError, loadConfig } from '../config/app-config';
import { waitForConfiguredDatabase } from './infra/database/wait-for-database';
import { startDevServices } from './infra/dev-services/dev-services';
import { onShutdownSignal } from './shutdown';
import { WorkerModule } from './worker.module';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = new Logger('Worker');
  const services = await startDevServices(config, (message) => logger.log(message));
  await waitForConfiguredDatabase(services.config);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(services.config), {
    bufferLogs: true,
  });
  app.useLogger(app.get(NestPinoLogger));
  onShutdownSignal(async () => {
    await app.close();
    await services.stop();
  });
  await app.init();
  logger.log('Warden workers running');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});
