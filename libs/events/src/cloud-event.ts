import { Equals, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { IsTimestamp } from './validation/decorators';

/**
 * A CloudEvents 1.0 envelope as Context Bridge accepts it (JSON, structured mode).
 * Required: specversion, id, source, type, time. Extensions (lower-case, per the spec):
 * anonymousid, customerid, sessionid, correlationid, traceparent. Other extensions pass
 * through untouched when their names follow the spec. Deduplication key: (source, id).
 */
export interface CloudEvent<T = Record<string, unknown>> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject?: string;
  dataschema?: string;
  datacontenttype?: string;
  anonymousid?: string;
  customerid?: string;
  sessionid?: string;
  correlationid?: string;
  traceparent?: string;
  data: T;
  [extension: string]: unknown;
}

export const CONTEXT_EXTENSIONS = [
  'anonymousid',
  'customerid',
  'sessionid',
  'correlationid',
  'traceparent',
] as const;

/** Attribute names the spec reserves or defines; anything else is an extension. */
export const CORE_ATTRIBUTES = [
  'specversion',
  'id',
  'source',
  'type',
  'time',
  'subject',
  'dataschema',
  'datacontenttype',
  'data',
  'data_base64',
] as const;

export const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;

const ID = 200;

export class CloudEventEnvelope {
  @Equals('1.0', { message: 'specversion must be "1.0"' })
  specversion!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(ID)
  id!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  source!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(ID)
  type!: string;

  @IsTimestamp()
  time!: string;

  @IsOptional() @IsString() @MaxLength(ID) subject?: string;
  @IsOptional() @IsString() @MaxLength(1000) dataschema?: string;

  @IsOptional()
  @Matches(/^application\/(cloudevents\+)?json(;.*)?$/, {
    message: 'datacontenttype must be application/json',
  })
  datacontenttype?: string;

  @IsOptional() @IsString() @MinLength(1) @MaxLength(ID) anonymousid?: string;
  @IsOptional() @IsString() @MinLength(1) @MaxLength(ID) customerid?: string;
  @IsOptional() @IsString() @MinLength(1) @MaxLength(ID) sessionid?: string;
  @IsOptional() @IsString() @MinLength(1) @MaxLength(ID) correlationid?: string;

  @IsOptional()
  @Matches(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, {
    message: 'traceparent must be a W3C trace context header',
  })
  traceparent?: string;
}
