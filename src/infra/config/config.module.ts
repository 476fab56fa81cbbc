import { type DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config';

/** Makes the validated AppConfig injectable everywhere (`constructor(config: AppConfig)`). */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: AppConfig, useValue: config }],
      exports: [AppConfig],
    };
  }
}
