import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import { Counter, type Registry } from 'prom-client';
import { AppConfig } from '@ctxb/config';
import { METRICS_REGISTRY } from '@ctxb/observability';
import { compactSettledMonths, createClickHouse } from '@ctxb/store';

/**
 * Every `clickhouse.compactIntervalMs`, merges the settled months of the roll-up table into
 * one part each (see compactSettledMonths). Several engines may do it at once: a month one of
 * them merged is no longer a candidate for the others. A failed pass is logged; roll-ups stay
 * correct without it, only slower.
 */
@Injectable()
export class LatestCompactionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('StoreCompaction');
  private readonly clickhouse: ClickHouseClient;
  private readonly months: Counter;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly config: AppConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.clickhouse = createClickHouse(config.clickhouse);
    this.months = new Counter({
      name: 'ctxb_store_months_compacted_total',
      help: 'Months of the roll-up table merged into one part (then read without FINAL)',
      registers: [registry],
    });
  }

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
    await this.clickhouse.close().catch(() => undefined);
  }

  private schedule(): void {
    const every = this.config.clickhouse.compactIntervalMs;
    if (every === 0 || this.stopping) return;
    this.timer = setTimeout(() => {
      this.running = this.pass().then(() => this.schedule());
    }, every);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    const started = Date.now();
    try {
      const compacted = await compactSettledMonths(this.clickhouse, {
        quietMs: this.config.clickhouse.compactQuietMs,
      });
      this.months.inc(compacted.length);
      if (compacted.length > 0)
        this.logger.log(
          { months: compacted.map((m) => m.partition), ms: Date.now() - started },
          'roll-up months merged',
        );
    } catch (error) {
      this.logger.warn({ err: String(error) }, 'roll-up compaction failed');
    }
  }
}
