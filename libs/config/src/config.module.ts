import { Global, Module, type DynamicModule } from '@nestjs/common';
import { AppConfig } from './app-config';

/**
 * Makes the already-validated AppConfig injectable everywhere. Loading happens in each
 * app's main.ts, before Nest starts, so a bad configuration stops the process with the
 * loader's message instead of a dependency-injection stack trace.
 */
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
