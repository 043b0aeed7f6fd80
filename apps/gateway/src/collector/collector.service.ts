import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig, type WriteKeyConfig } from '@ctxb/config';
import { timeAheadProblem, validateEvent, type CloudEvent, type EventProblem } from '@ctxb/events';
import { deduplicationKey, encodeEvent, type OutgoingMessage } from '@ctxb/streaming';
import { CollectorDeduplicator } from './collector-deduplicator';
import { CollectorKafka } from './collector-kafka';
import { CollectorErrorCode, CollectorException } from './collector.exception';
import { parseHttpEvents, type HttpMode } from './http-cloud-events';
import { WriteKeyAuthenticator } from './write-key.authenticator';
import { COLLECTOR_METRICS, type CollectorMetrics } from './collector.metrics';

export interface CollectRequest {
  writeKey: string | undefined;
  contentType: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface RejectedEvent {
  index: number;
  id?: string;
  problems: EventProblem[];
}

export interface CollectResult {
  mode: HttpMode;
  accepted: number;
  duplicates: number;
  rejected: RejectedEvent[];
}

/**
 * The collector's logic: authenticate the write key, read the events in any HTTP mode,
 * validate each against the catalogue and the key's allowed sources, drop retried
 * deliveries, and publish the rest to their topics in one batched, acknowledged write.
 * Rejected events never reach Kafka; each is reported by its index with its problems.
 */
@Injectable()
export class CollectorService {
  private readonly logger = new Logger(CollectorService.name);
  private readonly authenticator: WriteKeyAuthenticator;

  constructor(
    private readonly config: AppConfig,
    private readonly kafka: CollectorKafka,
    private readonly deduplicator: CollectorDeduplicator,
    @Inject(COLLECTOR_METRICS) private readonly metrics: CollectorMetrics,
  ) {
    this.authenticator = new WriteKeyAuthenticator(config.collector.writeKeys);
  }

  async collect(request: CollectRequest): Promise<CollectResult> {
    if (!request.writeKey) {
      throw new CollectorException(
        CollectorErrorCode.MissingWriteKey,
        'send a write key (Authorization: Bearer <key>, X-Write-Key, or ?writeKey=)',
      );
    }
    const key = this.authenticator.authenticate(request.writeKey);
    if (!key)
      throw new CollectorException(
        CollectorErrorCode.InvalidWriteKey,
        'the write key is not valid',
      );

    const { mode, events } = parseHttpEvents(request.contentType, request.headers, request.body);
    if (events.length > this.config.collector.maxBatchEvents) {
      throw new CollectorException(
        CollectorErrorCode.TooManyEvents,
        `at most ${this.config.collector.maxBatchEvents} events per request, got ${events.length}`,
      );
    }

    const rejected: RejectedEvent[] = [];
    const candidates: { index: number; dedup: string; message: OutgoingMessage }[] = [];
    const seen = new Set<string>();
    let duplicates = 0;
    events.forEach((raw, index) => {
      const result = validateEvent(raw);
      const id =
        typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : undefined;
      if (!result.ok) {
        rejected.push({ index, id, problems: result.problems });
        return;
      }
      const { event, entry } = result;
      const refused = this.refusal(key, event);
      if (refused) {
        rejected.push({ index, id, problems: [refused] });
        return;
      }
      const dedup = deduplicationKey(event.source, event.id);
      if (seen.has(dedup)) {
        duplicates++;
        return;
      }
      seen.add(dedup);
      candidates.push({
        index,
        dedup,
        message: { topic: entry.topic, message: encodeEvent(event, entry) },
      });
    });

    if (candidates.length === 0 && duplicates === 0) {
      this.metrics.rejected.inc({ key: key.name }, rejected.length);
      throw new CollectorException(
        CollectorErrorCode.NoValidEvents,
        'no event in the request is valid',
        { mode, accepted: 0, duplicates: 0, rejected },
      );
    }

    const claims = await this.deduplicator.claim(candidates.map((c) => c.dedup));
    const fresh = candidates.filter((_, i) => claims[i]);
    duplicates += candidates.length - fresh.length;
    try {
      await this.kafka.publish(fresh.map((c) => c.message));
    } catch (error) {
      await this.deduplicator.release(fresh.map((c) => c.dedup));
      this.logger.error({ err: error, events: fresh.length }, 'publishing to Kafka failed');
      throw new CollectorException(
        CollectorErrorCode.KafkaUnavailable,
        'events could not be written to Kafka; retry later',
      );
    }
    this.metrics.accepted.inc({ key: key.name }, fresh.length);
    this.metrics.duplicates.inc({ key: key.name }, duplicates);
    this.metrics.rejected.inc({ key: key.name }, rejected.length);
    return { mode, accepted: fresh.length, duplicates, rejected };
  }

  /**
   * Why a valid event is not taken from this key: a source the key may not send for, or a
   * time further ahead of this clock than the engine's intake would take (told now, rather
   * than dead-lettered there later).
   */
  private refusal(key: WriteKeyConfig, event: CloudEvent): EventProblem | undefined {
    if (!WriteKeyAuthenticator.allowsSource(key, event.source))
      return {
        path: 'source',
        message: `write key "${key.name}" may not send events from source "${event.source}"`,
      };
    const ahead = timeAheadProblem(
      event.time,
      Date.now(),
      this.config.engine.futureToleranceSeconds * 1000,
    );
    return ahead === undefined ? undefined : { path: 'time', message: ahead };
  }
}
