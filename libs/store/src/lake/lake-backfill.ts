import type { ClickHouseClient } from '@clickhouse/client';
import { parquetReadObjects } from 'hyparquet';
import type { ContextRecord } from '@ctxb/context';
import { ContextRecordStore, type ContextRecordRow } from '../context-record.store';
import type { EventRow } from '../raw-events/event-rows';
import { RawEventStore } from '../raw-events/raw-event.store';
import { CONTEXT_RECORDS_DATASET, EVENTS_DATASET } from './lake-datasets';
import { parseLakeFile } from './lake-layout';
import type { LakeStorage } from './lake-storage';

export interface BackfillReport {
  files: number;
  events: number;
  records: number;
}

/**
 * Rebuilds the store from the lake: every raw-event file into the events table, every record
 * file into the record table and, from the records, the tables roll-ups and drill-downs read.
 * Writes are the idempotent ones the engine makes, so a backfill over a store that already
 * holds some of the data (or a second backfill) adds nothing twice.
 */
export class LakeBackfill {
  private readonly records: ContextRecordStore;
  private readonly events: RawEventStore;

  constructor(
    client: ClickHouseClient,
    private readonly storage: LakeStorage,
  ) {
    this.records = new ContextRecordStore(client);
    this.events = new RawEventStore(client);
  }

  /** The lake files a backfill reads, in dataset and hour order. */
  async files(): Promise<string[]> {
    const all = [
      ...(await this.storage.list('events')),
      ...(await this.storage.list('context_records')),
    ];
    return all.filter((path) => parseLakeFile(path) !== undefined);
  }

  async run(onProgress?: (done: number, total: number) => void): Promise<BackfillReport> {
    await this.records.ensureSchema();
    const files = await this.files();
    const report: BackfillReport = { files: files.length, events: 0, records: 0 };
    onProgress?.(0, files.length);
    for (const [i, path] of files.entries()) {
      const bytes = await this.storage.read(path);
      if (!bytes) throw new Error(`lake file ${path} disappeared during the backfill`);
      const objects = await parquetReadObjects({ file: toArrayBuffer(bytes) });
      if (parseLakeFile(path)!.dataset === 'events') {
        const rows: EventRow[] = EVENTS_DATASET.fromObjects(objects);
        await this.events.write(rows);
        report.events += rows.length;
      } else {
        const rows: ContextRecordRow[] = CONTEXT_RECORDS_DATASET.fromObjects(objects);
        // As the engine writes: the rows that reads use first, the records last.
        await this.records.writeQueryTables(rows.map((r) => JSON.parse(r.record) as ContextRecord));
        await this.records.writeRecordRows(rows);
        report.records += rows.length;
      }
      onProgress?.(i + 1, files.length);
    }
    return report;
  }
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
