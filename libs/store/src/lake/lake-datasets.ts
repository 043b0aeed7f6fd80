import type { ColumnSource } from 'hyparquet-writer';
import { RECORD_COLUMNS, type ContextRecordRow } from '../context-record.store';
import { clickHouseDateTime, fromClickHouseDateTime } from '../context-rows';
import { EVENT_COLUMNS, EVENT_TEXT_COLUMNS, type EventRow } from '../raw-events/event-rows';
import type { LakeDataset } from './lake-layout';

/** A Parquet column of a dataset: its type and how a table row gives its value. */
interface LakeColumn<Row> {
  name: string;
  type: 'STRING' | 'INT32' | 'TIMESTAMP';
  value(row: Row): string | number | Date;
}

/**
 * How one store table maps to its lake dataset: the table's rows as Parquet columns and back,
 * the column that places a row in an hour, and the key that makes a row distinct. Strings
 * stay strings (the event and record JSON byte for byte); instants are Parquet timestamps.
 */
export interface LakeDatasetSpec<Row> {
  table: string;
  /** The table's DateTime column that decides a row's hour. */
  timeColumn: string;
  /** The columns that identify a row; a key is written once. */
  key: readonly string[];
  /** The table columns a file is made from. */
  tableColumns: readonly string[];
  toColumns(rows: readonly Row[]): ColumnSource[];
  fromObjects(objects: readonly Record<string, unknown>[]): Row[];
}

/** Epoch ms → a ClickHouse DateTime (the milliseconds dropped). */
const toDateTime = (ms: number): string => clickHouseDateTime(new Date(ms).toISOString());

const instant = (value: unknown): number =>
  value instanceof Date ? value.getTime() : Number(value);

function dataset<Row>(
  spec: Omit<LakeDatasetSpec<Row>, 'toColumns'> & { parquet: LakeColumn<Row>[] },
): LakeDatasetSpec<Row> {
  const { parquet, ...rest } = spec;
  return {
    ...rest,
    toColumns: (rows) =>
      parquet.map((c) => ({
        name: c.name,
        type: c.type,
        nullable: false,
        data: rows.map((r) => c.value(r)),
      })),
  };
}

const stringColumns = <Row>(names: readonly (keyof Row & string)[]): LakeColumn<Row>[] =>
  names.map((name) => ({ name, type: 'STRING', value: (r) => String(r[name]) }));

/** The named fields of a row read back from Parquet, as strings. */
const stringFields = <K extends string>(
  object: Record<string, unknown>,
  names: readonly K[],
): Record<K, string> =>
  Object.fromEntries(names.map((name) => [name, String(object[name])])) as Record<K, string>;

const RECORD_STRINGS = ['context_reference_id', 'order_id', 'customer_id', 'record'] as const;

export const EVENTS_DATASET = dataset<EventRow>({
  table: 'events',
  timeColumn: 'time',
  key: ['source', 'id'],
  tableColumns: EVENT_COLUMNS,
  parquet: [
    // One timestamp with the milliseconds, where the table needs two columns (no DateTime64).
    {
      name: 'time',
      type: 'TIMESTAMP',
      value: (r) => new Date(fromClickHouseDateTime(r.time) + Number(r.time_ms)),
    },
    ...stringColumns<EventRow>(EVENT_TEXT_COLUMNS),
  ],
  fromObjects: (objects) =>
    objects.map((o) => {
      const at = instant(o.time);
      return {
        time: toDateTime(at),
        time_ms: ((at % 1000) + 1000) % 1000,
        ...stringFields(o, EVENT_TEXT_COLUMNS),
      };
    }),
});

export const CONTEXT_RECORDS_DATASET = dataset<ContextRecordRow>({
  table: 'context_versions',
  timeColumn: 'as_of',
  key: ['context_reference_id', 'version'],
  tableColumns: RECORD_COLUMNS,
  parquet: [
    ...stringColumns<ContextRecordRow>(RECORD_STRINGS),
    { name: 'version', type: 'INT32', value: (r) => Number(r.version) },
    { name: 'as_of', type: 'TIMESTAMP', value: (r) => new Date(fromClickHouseDateTime(r.as_of)) },
  ],
  fromObjects: (objects) =>
    objects.map((o) => ({
      ...stringFields(o, RECORD_STRINGS),
      version: Number(o.version),
      as_of: toDateTime(instant(o.as_of)),
    })),
});

export const LAKE_DATASET_SPECS: Record<
  LakeDataset,
  LakeDatasetSpec<EventRow | ContextRecordRow>
> = {
  events: EVENTS_DATASET,
  context_records: CONTEXT_RECORDS_DATASET,
};
