import { type DynamicModule, Module } from '@nestjs/common';
import { type AppConfig } from '@ctxb/config';
import { HealthModule } from '@ctxb/health';
import { platformImports } from '@ctxb/observability';
import { LakeChanges } from '@ctxb/store';
import { EventArchive } from './archive/event-archive';
import { ContextProcessorService } from './context/context-processor.service';
import { EventIntakeConsumer } from './intake/event-intake.consumer';
import { LakeExportService } from './lake/lake-export.service';
import { PlacementLinkConsumer } from './placement/placement-link.consumer';
import { LatestCompactionService } from './store/latest-compaction.service';

/**
 * The context engine process: consumes the event topics, runs libs/context, writes context
 * records to the store and link jobs to the queues (and, for targets that link on placement, a
 * job per order the moment it is placed), archives the raw events, keeps the
 * Parquet lake up to date and the roll-up table compact. Its HTTP port serves only health and metrics.
 */
@Module({})
export class EngineModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: EngineModule,
      imports: [
        ...platformImports('engine', config),
        HealthModule.forDependencies(['kafka', 'clickhouse', 'redis']),
      ],
      providers: [
        EventIntakeConsumer,
        PlacementLinkConsumer,
        ContextProcessorService,
        EventArchive,
        LakeExportService,
        LatestCompactionService,
        // Hours the store's writers changed, for the lake export (one per process).
        { provide: LakeChanges, useValue: new LakeChanges() },
      ],
    };
  }
}
