import { Module } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@ctxb/observability';
import { CollectorController } from './collector.controller';
import { CollectorDeduplicator } from './collector-deduplicator';
import { CollectorKafka } from './collector-kafka';
import { COLLECTOR_METRICS, collectorMetrics } from './collector.metrics';
import { CollectorService } from './collector.service';
import { TrackerController } from '../tracker/tracker.controller';

/** POST /v1/events: CloudEvents over HTTP into the Kafka topics; GET /tracker.js for browsers. */
@Module({
  controllers: [CollectorController, TrackerController],
  providers: [
    CollectorService,
    CollectorKafka,
    CollectorDeduplicator,
    {
      provide: COLLECTOR_METRICS,
      useFactory: (registry: Registry) => collectorMetrics(registry),
      inject: [METRICS_REGISTRY],
    },
  ],
})
export class CollectorModule {}
