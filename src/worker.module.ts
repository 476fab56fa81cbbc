import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { infrastructureImports } from './app.module';
import { WorkersModule } from './workers.module';

/** The queue workers without the HTTP server (`npm run start:worker`). */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: WorkerModule, imports: [...infrastructureImports(config), WorkersModule] };
  }
}
