import { type DynamicModule } from '@nestjs/common';
import { type AppConfig, ConfigModule } from '@ctxb/config';
import { LoggingModule } from './logging.module';
import { MetricsModule } from './metrics.module';

/** What every Context Bridge app imports first: its validated config, structured logs, /metrics. */
export function platformImports(app: string, config: AppConfig): DynamicModule[] {
  return [
    ConfigModule.forRoot(config),
    LoggingModule.forApp(app, config),
    MetricsModule.forApp(app),
  ];
}
