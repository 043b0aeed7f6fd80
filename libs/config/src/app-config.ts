import 'reflect-metadata';
import { Type } from 'class-transformer';
import { Channel } from '@ctxb/events';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsDefined,
  IsEnum,
  IsOptional,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';

/**
 * The one typed configuration object of every Context Bridge process.
 * Values come from config/default.yaml, optional overlay files and CTXB_* environment
 * variables (see config-loader.ts); this file says what each value must look like.
 */

const HOST_PORT = /^[^\s:/]+:\d{1,5}$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NAME = /^[a-z0-9][a-z0-9-]*$/;

export class HttpListenConfig {
  @IsString()
  @IsNotEmpty()
  host!: string;

  @IsInt()
  @Min(1)
  @Max(65535)
  port!: number;
}

export class KafkaConfig {
  @IsArray()
  @ArrayNotEmpty()
  @Matches(HOST_PORT, { each: true, message: 'each broker must be host:port, got "$value"' })
  brokers!: string[];

  @IsString()
  @IsNotEmpty()
  clientId!: string;

  @IsInt()
  @Min(100)
  connectionTimeoutMs!: number;

  @IsInt()
  @Min(100)
  requestTimeoutMs!: number;
}

export class ClickHouseConfig {
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'url must be an http(s) URL such as http://127.0.0.1:8123' },
  )
  url!: string;

  @Matches(IDENTIFIER, { message: 'database must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*)' })
  database!: string;

  @Matches(/^[A-Za-z_][A-Za-z0-9_.-]*$/, {
    message: 'username must be letters, digits, "_", "." or "-"',
  })
  username!: string;

  @IsString()
  password!: string;

  @IsInt()
  @Min(100)
  requestTimeoutMs!: number;

  /** Context versions wait at most this long to be inserted together (one insert per table). */
  @IsInt()
  @Min(0)
  @Max(10_000)
  insertLingerMs!: number;

  /** An insert goes at once when this many context versions wait. */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  insertMaxRecords!: number;

  /**
   * How often the engine merges settled months of the roll-up table into one part each, so
   * roll-ups read them without FINAL; 0: never (roll-ups stay correct, only slower).
   */
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  compactIntervalMs!: number;

  /** A month counts as settled when none of its parts is newer than this. */
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  compactQuietMs!: number;
}

export class RedisConfig {
  @IsString()
  @IsNotEmpty()
  host!: string;

  @IsInt()
  @Min(1)
  @Max(65535)
  port!: number;

  /** Empty means no AUTH. */
  @IsString()
  password!: string;

  @IsInt()
  @Min(0)
  @Max(15)
  db!: number;

  @Matches(/^[a-z0-9][a-z0-9:_-]*$/, {
    message: 'keyPrefix must be lower-case letters, digits, ":", "_" or "-"',
  })
  keyPrefix!: string;
}

export class OdbcConnectionConfig {
  @Matches(NAME, { message: 'name must be lower-case letters, digits and "-"' })
  name!: string;

  /** A DSN ("DSN=ctxb_erp_postgres") or a full driver connection string. May hold a password: never logged. */
  @IsString()
  @IsNotEmpty()
  connectionString!: string;
}

export class OdbcConfig {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => OdbcConnectionConfig)
  connections!: OdbcConnectionConfig[];

  @IsInt()
  @Min(1)
  @Max(600)
  loginTimeoutSeconds!: number;
}

/** An app whose only HTTP surface is health and metrics (engine, worker) or the full API (gateway). */
export class AppHttpConfig {
  @IsDefined()
  @ValidateNested()
  @Type(() => HttpListenConfig)
  http!: HttpListenConfig;
}

export class WorkerConfig extends AppHttpConfig {
  /**
   * The connectors of `links.connectors` this worker delivers to, by name; empty for all. One
   * worker process per ERP keeps a hung ERP from stalling the others (ODBC connects take one
   * lock per process).
   */
  @IsArray()
  @Matches(NAME, { each: true, message: 'each connector is named by its profile file name' })
  connectors!: string[];
}

export class EngineConfig extends AppHttpConfig {
  /** Kafka consumer group of the engine instances. */
  @IsString()
  @IsNotEmpty()
  groupId!: string;

  /** Retries of a failing event handler before the event is dead-lettered. */
  @IsInt()
  @Min(0)
  @Max(100)
  handlerRetries!: number;

  @IsInt()
  @Min(0)
  @Max(60_000)
  retryBackoffMs!: number;

  /**
   * Events dated further ahead of the intake's clock than this are dead-lettered (stage
   * validate) rather than moving event time forward for every journey; replayed once their
   * time has come, they are taken. Up to 100 years, for replays of test eras.
   */
  @IsInt()
  @Min(0)
  @Max(3_155_760_000)
  futureToleranceSeconds!: number;

  /** Where a consumer group with no committed offsets starts: the oldest retained event, or new ones only. */
  @IsBoolean()
  startFromBeginning!: boolean;

  /** The internal topic where events are re-keyed by journey, so one instance owns a journey. */
  @Matches(/^[A-Za-z0-9._-]{1,200}$/, { message: 'journeyTopic must be a Kafka topic name' })
  journeyTopic!: string;

  /** How often each partition's engine state is saved with its offset (a restart replays at most this much). */
  @IsInt()
  @Min(100)
  @Max(600_000)
  snapshotIntervalMs!: number;

  /** A consumer that stops heartbeating this long leaves the group and its partitions move. */
  @IsInt()
  @Min(6_000)
  @Max(300_000)
  sessionTimeoutMs!: number;

  /** Partitions each stage works on at once (their I/O overlaps; order within one is kept). */
  @IsInt()
  @Min(1)
  @Max(64)
  partitionsInParallel!: number;

  /**
   * The intake reads at most this many bytes of one source partition per fetch. Larger
   * batches mean fewer writes to the journey topic, each of which a batch waits for.
   */
  @IsInt()
  @Min(65_536)
  @Max(67_108_864)
  fetchBytesPerPartition!: number;
}

/**
 * The raw-event archive: every valid event the engine's intake reads, into the store's events
 * table (the intake commits a batch once it is routed and archived).
 */
export class ArchiveConfig {
  @IsBoolean()
  enabled!: boolean;

  /** Events wait at most this long to be inserted together. */
  @IsInt()
  @Min(0)
  @Max(10_000)
  insertLingerMs!: number;

  /** An insert goes at once when this many events wait. */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  insertMaxEvents!: number;
}

/** The Parquet lake: raw events and context records as hourly files, made from the store. */
/** The lake in an S3 bucket (AWS, or any S3-compatible store through `endpoint`). */
export class LakeS3Config {
  /** Empty: the lake stays in `lake.directory`. */
  @IsString()
  @Matches(/^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    message: 'must be empty or an S3 bucket name (3–63 lower-case letters, digits, dots, dashes)',
  })
  bucket!: string;

  /** Key prefix inside the bucket ('' or e.g. `context-bridge/`). */
  @IsString()
  @Matches(/^$|^[^/].*\/$/, { message: 'must be empty or end with / (and not start with one)' })
  prefix!: string;

  @IsString()
  @IsNotEmpty()
  region!: string;

  /** An S3-compatible endpoint (MinIO, Ceph …); empty for AWS. */
  @IsString()
  @Matches(/^$|^https?:\/\/\S+$/, { message: 'must be empty or an http(s) URL' })
  endpoint!: string;

  /** Bucket in the path, not the host name (most S3-compatible stores want this). */
  @IsBoolean()
  forcePathStyle!: boolean;
}

export class LakeConfig {
  @IsBoolean()
  enabled!: boolean;

  /** A local directory (relative to the working directory, or absolute), unless `s3.bucket` is set. */
  @IsString()
  @IsNotEmpty()
  directory!: string;

  /** Set `s3.bucket` to keep the lake in S3 instead; credentials come from the AWS SDK's usual sources. */
  @IsDefined()
  @ValidateNested()
  @Type(() => LakeS3Config)
  s3!: LakeS3Config;

  /** How often the engine writes the hours that gained rows (a full pass runs at start-up). */
  @IsInt()
  @Min(1_000)
  @Max(86_400_000)
  exportIntervalMs!: number;
}

/** How contexts are built (see libs/context). Times are in event time. */
export class ContextConfig {
  @IsInt() @Min(1) @Max(24 * 60) sessionTimeoutMinutes!: number;
  @IsInt() @Min(1) @Max(400) lookbackDays!: number;
  @IsInt() @Min(0) @Max(86_400) latenessSeconds!: number;
  @IsInt() @Min(1) @Max(3650) orderRetentionDays!: number;
  @IsInt() @Min(1) @Max(365) timeDecayHalfLifeDays!: number;
  @IsInt() @Min(1) @Max(10_000) maxAnonymousIdsPerCustomer!: number;

  /** Ids that identify nobody and never link journeys (compared case-insensitively). */
  @IsArray()
  @IsString({ each: true })
  placeholderIds!: string[];

  /** Usual checkout start → order time of the customer base, for the hesitation ratio. */
  @IsInt() @Min(1) checkoutBaselineSeconds!: number;

  /** The shop's own hosts: their referrers are internal navigation, not a new visit. */
  @IsArray()
  @IsString({ each: true })
  ownHosts!: string[];

  /** GL accounts whose number starts with one of these hold revenue (e.g. 4 for 4000–4999). */
  @IsArray()
  @IsString({ each: true })
  @Matches(/^[A-Za-z0-9.-]{1,20}$/, {
    each: true,
    message: 'each revenue account prefix must be 1–20 letters, digits, dots or dashes',
  })
  revenueAccountPrefixes!: string[];
}

export const LINK_TARGETS = ['om', 'ar', 'gl', 'crm'] as const;
export type LinkTarget = (typeof LINK_TARGETS)[number];

/** One ERP connector the worker delivers to, and how hard it may be driven. */
export class LinkConnectorConfig {
  /** Its profile (config/connectors/<name>.yaml); the file name is the connector's name. */
  @Matches(/^(.*\/)?[a-z0-9][a-z0-9-]*\.ya?ml$/, {
    message: 'profile must be a .yaml file named in lower-case letters, digits and "-"',
  })
  profile!: string;

  /** Jobs in flight per target; those waiting together are written in one transaction. */
  @IsInt()
  @Min(1)
  @Max(1000)
  concurrency!: number;

  /** Jobs started per second per target; 0 for no limit. */
  @IsInt()
  @Min(0)
  maxPerSecond!: number;
}

/** How failed link jobs are tried again before they are dead-lettered. */
export class LinkRetryConfig {
  /** Tries of a job that keeps failing with a retryable error (a lost connection, a deadlock). */
  @IsInt()
  @Min(1)
  @Max(1000)
  attempts!: number;

  /** The first wait; each next one doubles up to maxBackoffMs, less a random part of up to half. */
  @IsInt()
  @Min(10)
  backoffMs!: number;

  @IsInt()
  @Min(10)
  maxBackoffMs!: number;
}

export class LinksConfig {
  /**
   * Prefix of the BullMQ queues: one per connector target (`<queue>.<connector>.<target>`) and
   * `<queue>.dead-letters`.
   */
  @Matches(NAME, { message: 'queue must be lower-case letters, digits and "-"' })
  queue!: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => LinkConnectorConfig)
  connectors!: LinkConnectorConfig[];

  @IsDefined()
  @ValidateNested()
  @Type(() => LinkRetryConfig)
  retry!: LinkRetryConfig;

  /** Jobs are kept this long after they are done (their ids make a re-sent version a no-op). */
  @IsInt()
  @Min(0)
  keepCompletedSeconds!: number;
}

export class LogConfig {
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  level!: string;

  /** Human-readable lines instead of JSON; for a terminal, never for production. */
  @IsBoolean()
  pretty!: boolean;
}

export class HealthConfig {
  /** How long one dependency check may take before it counts as down. */
  @IsInt()
  @Min(100)
  @Max(60000)
  timeoutMs!: number;
}

/** A channel rule tried before the default grouping; every given pattern (a regex) must match. */
export class ChannelRuleConfig {
  @IsEnum(Channel)
  channel!: Channel;

  @IsOptional() @IsString() source?: string;
  @IsOptional() @IsString() medium?: string;
  @IsOptional() @IsString() campaign?: string;
}

export class ChannelsConfig {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ChannelRuleConfig)
  rules!: ChannelRuleConfig[];
}

/** Kafka topics of the event catalogue, created idempotently by the gateway and engine at start. */
export class TopicsConfig {
  @IsInt()
  @Min(1)
  @Max(1000)
  partitions!: number;

  @IsInt()
  @Min(1)
  @Max(10)
  replicationFactor!: number;

  @IsInt()
  @Min(1)
  retentionHours!: number;

  @IsInt()
  @Min(1)
  deadLetterRetentionHours!: number;
}

export class WriteKeyConfig {
  @Matches(NAME, { message: 'name must be lower-case letters, digits and "-"' })
  name!: string;

  /** SHA-256 (hex) of the key: keys are stored hashed, never in clear. */
  @Matches(/^[0-9a-f]{64}$/, { message: 'sha256 must be the hex SHA-256 of the write key' })
  sha256!: string;

  /** CloudEvents `source` values this key may send; `*` at the end matches a prefix, `*` alone any. */
  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  sources!: string[];
}

export class CollectorConfig {
  @IsInt()
  @Min(1024)
  @Max(64 * 1024 * 1024)
  maxBodyBytes!: number;

  @IsInt()
  @Min(1)
  @Max(100_000)
  maxBatchEvents!: number;

  /** Origins allowed to post from browsers (CORS); empty means none. */
  @IsArray()
  @IsString({ each: true })
  corsOrigins!: string[];

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => WriteKeyConfig)
  writeKeys!: WriteKeyConfig[];

  /** A retried delivery of the same (source, id) within this window is accepted once. */
  @IsInt()
  @Min(0)
  deduplicationWindowSeconds!: number;

  /** How long the producer waits to fill a batch before sending (Kafka linger). */
  @IsInt()
  @Min(0)
  @Max(1000)
  lingerMs!: number;
}

/** What an API key may read: contexts (drill-down) and reports (roll-ups). */
export const API_SCOPES = ['contexts:read', 'reports:read'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export class ApiKeyConfig {
  @Matches(NAME, { message: 'name must be lower-case letters, digits and "-"' })
  name!: string;

  /** SHA-256 (hex) of the key: keys are stored hashed, never in clear. */
  @Matches(/^[0-9a-f]{64}$/, { message: 'sha256 must be the hex SHA-256 of the API key' })
  sha256!: string;

  @IsArray()
  @ArrayNotEmpty()
  @IsIn(API_SCOPES, { each: true, message: `scopes must be among ${API_SCOPES.join(', ')}` })
  scopes!: ApiScope[];
}

export class ApiConfig {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ApiKeyConfig)
  keys!: ApiKeyConfig[];
}

/** The journey panel (`/panel/{contextReferenceId}`), opened from ERP and CRM records by signed links. */
export class PanelConfig {
  /** HMAC-SHA256 key of the links: 32 characters or more; empty turns the panel off. */
  @Matches(/^$|^.{32,}$/, { message: 'secret must be empty (panel off) or 32 characters or more' })
  secret!: string;

  /** How long a link stays valid: links live in ERP and CRM records. */
  @IsInt()
  @Min(60)
  @Max(10 * 366 * 86_400)
  linkTtlSeconds!: number;

  /** Origins that may show the panel in an iframe (CSP frame-ancestors), e.g. a Lightning domain. */
  @IsArray()
  @Matches(/^https?:\/\/[^\s/;,']+$/, {
    each: true,
    message: 'frameAncestors must be origins such as https://acme.lightning.force.com',
  })
  frameAncestors!: string[];

  /** The gateway's address as ERP and CRM users reach it: the links start with it. */
  @Matches(/^https?:\/\/\S+[^/]$/, {
    message: 'publicUrl must be an http(s) URL without a trailing /',
  })
  publicUrl!: string;
}

export class AppConfig {
  @IsDefined()
  @ValidateNested()
  @Type(() => PanelConfig)
  panel!: PanelConfig;

  @IsDefined()
  @ValidateNested()
  @Type(() => KafkaConfig)
  kafka!: KafkaConfig;

  @IsDefined()
  @ValidateNested()
  @Type(() => ClickHouseConfig)
  clickhouse!: ClickHouseConfig;

  @IsDefined()
  @ValidateNested()
  @Type(() => RedisConfig)
  redis!: RedisConfig;

  @IsDefined()
  @ValidateNested()
  @Type(() => OdbcConfig)
  odbc!: OdbcConfig;

  @IsDefined()
  @ValidateNested()
  @Type(() => AppHttpConfig)
  gateway!: AppHttpConfig;

  @IsDefined()
  @ValidateNested()
  @Type(() => EngineConfig)
  engine!: EngineConfig;

  @IsDefined()
  @ValidateNested()
  @Type(() => WorkerConfig)
  worker!: WorkerConfig;

  @IsDefined()
  @ValidateNested()
  @Type(() => TopicsConfig)
  topics!: TopicsConfig;

  @IsDefined()
  @ValidateNested()
  @Type(() => CollectorConfig)
  collector!: CollectorConfig;

  @IsDefined()
  @ValidateNested()
  @Type(() => ApiConfig)
  api!: ApiConfig;

  @IsDefined()
  @ValidateNested()
  @Type(() => ChannelsConfig)
  channels!: ChannelsConfig;

  @IsDefined()
  @ValidateNested()
  @Type(() => ContextConfig)
  context!: ContextConfig;

  @IsDefined()
  @ValidateNested()
  @Type(() => LinksConfig)
  links!: LinksConfig;

  @IsDefined()
  @ValidateNested()
  @Type(() => ArchiveConfig)
  archive!: ArchiveConfig;

  @IsDefined()
  @ValidateNested()
  @Type(() => LakeConfig)
  lake!: LakeConfig;

  @IsDefined()
  @ValidateNested()
  @Type(() => LogConfig)
  log!: LogConfig;

  @IsDefined()
  @ValidateNested()
  @Type(() => HealthConfig)
  health!: HealthConfig;
}
