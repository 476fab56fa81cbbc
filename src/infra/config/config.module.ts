import { type DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config';
import { Clock, SystemClock } from '../../common/clock/clock';

/** Makes the validated AppConfig and the Clock injectable everywhere (tests pass their own clock). */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig, clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: Clock, useValue: clock },
      ],
      exports: [AppConfig, Clock],
    };
  }
}
