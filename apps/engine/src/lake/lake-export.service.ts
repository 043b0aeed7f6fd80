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
import {
  ContextRecordStore,
  createClickHouse,
  LakeChanges,
  LakeExporter,
  lakeStorageOf,
  type LakeHours,
} from '@ctxb/store';

const RETRY_MS = 30_000;

/**
 * Keeps the Parquet lake up to date from the store: a full pass at start-up (it covers what
 * an earlier process stored but did not export), then every `lake.exportIntervalMs` the hours
 * this process's writers report as changed. A failed pass is logged and its hours wait for
 * the next one; nothing is lost, the store still has it.
 */
@Injectable()
export class LakeExportService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('LakeExport');
  private readonly clickhouse: ClickHouseClient;
  private readonly exporter: LakeExporter;
  private readonly files: Counter<'dataset'>;
  private readonly rows: Counter<'dataset'>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private schema: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly config: AppConfig,
    private readonly changes: LakeChanges,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.clickhouse = createClickHouse(config.clickhouse);
    this.exporter = new LakeExporter(this.clickhouse, lakeStorageOf(config.lake), {});
    this.files = new Counter({
      name: 'ctxb_lake_files_written_total',
      help: 'Hourly Parquet files written (or rewritten with more rows), by dataset',
      labelNames: ['dataset'],
      registers: [registry],
    });
    this.rows = new Counter({
      name: 'ctxb_lake_rows_written_total',
      help: 'Rows in the Parquet files written, by dataset',
      labelNames: ['dataset'],
      registers: [registry],
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.lake.enabled) this.schedule(true, 0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
    await this.clickhouse.close().catch(() => undefined);
  }

  private schedule(full: boolean, delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.pass(full).then((done) => {
        if (this.stopping) return;
        // A full pass that failed is tried again, as a full pass, sooner than a routine one.
        if (!done && full) this.schedule(true, RETRY_MS);
        else this.schedule(false, this.config.lake.exportIntervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  /** One export; false when it failed. */
  private async pass(full: boolean): Promise<boolean> {
    const taken = this.changes.take();
    const hours: LakeHours = full ? 'all' : taken;
    try {
      // Once per process, before the first pass that reads (a failed attempt is tried again).
      await (this.schema ??= new ContextRecordStore(this.clickhouse)
        .ensureSchema()
        .catch((error: unknown) => {
          this.schema = undefined;
          throw error;
        }));
      const written = await this.exporter.export(hours);
      for (const file of written) {
        this.files.inc({ dataset: file.dataset });
        this.rows.inc({ dataset: file.dataset }, file.rows);
      }
      if (written.length > 0)
        this.logger.log({ full, files: written.length }, 'lake files written');
      return true;
    } catch (error) {
      this.changes.giveBack(taken);
      this.logger.warn({ full, err: String(error) }, 'lake export failed');
      return false;
    }
  }
}
