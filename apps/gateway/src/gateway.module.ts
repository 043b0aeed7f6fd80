import { type DynamicModule, Module } from '@nestjs/common';
import { type AppConfig } from '@ctxb/config';
import { HealthModule } from '@ctxb/health';
import { platformImports } from '@ctxb/observability';
import { CollectorModule } from './collector/collector.module';
import { ContextsModule } from './contexts/contexts.module';
import { PanelModule } from './panel/panel.module';
import { ReportsModule } from './reports/reports.module';

/** The HTTP face of Context Bridge: collector, drill-down and roll-up API, panel, webhooks. */
@Module({})
export class GatewayModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        ...platformImports('gateway', config),
        HealthModule.forDependencies(['kafka', 'clickhouse', 'redis']),
        CollectorModule,
        ContextsModule,
        PanelModule,
        ReportsModule,
      ],
    };
  }
}
