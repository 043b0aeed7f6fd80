import { type DynamicModule, Module } from '@nestjs/common';
import { type AppConfig } from '@ctxb/config';
import { HealthModule } from '@ctxb/health';
import { platformImports } from '@ctxb/observability';
import { LinkDeliveryService } from './delivery/link-delivery.service';

/**
 * The delivery worker: BullMQ processors that run the ERP and CRM connectors. Its HTTP port
 * serves only health and metrics; health covers Redis and every configured ERP connection.
 */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ...platformImports('worker', config),
        HealthModule.forDependencies(['redis', 'odbc']),
      ],
      providers: [LinkDeliveryService],
    };
  }
}
