import {
  Catch,
  Controller,
  HttpCode,
  Post,
  Req,
  UseFilters,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import getRawBody from 'raw-body';
import { AppConfig } from '@ctxb/config';
import { CollectorErrorCode, CollectorException, httpStatusOf } from './collector.exception';
import { CollectorService, type CollectResult } from './collector.service';
import { presentedWriteKey } from './write-key.authenticator';
import { BATCH_CONTENT_TYPE, STRUCTURED_CONTENT_TYPE } from './http-cloud-events';

@Catch(CollectorException)
class CollectorExceptionFilter implements ExceptionFilter {
  catch(exception: CollectorException, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const status = httpStatusOf(exception.code);
    if (status === 503) response.setHeader('Retry-After', '5');
    response.status(status).json({
      error: exception.code,
      message: exception.message,
      ...(typeof exception.details === 'object' ? exception.details : {}),
    });
  }
}

@ApiTags('collector')
@Controller('v1/events')
@UseFilters(CollectorExceptionFilter)
export class CollectorController {
  constructor(
    private readonly collector: CollectorService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Collect CloudEvents',
    description:
      'Structured mode (one event), batch mode (an array) or binary mode (ce-* headers, data as the body). ' +
      'Valid events are written to their Kafka topics; each invalid one is reported by index with the path of every problem and never reaches Kafka. ' +
      'A retried delivery of the same (source, id) is counted once.',
  })
  @ApiConsumes(STRUCTURED_CONTENT_TYPE, BATCH_CONTENT_TYPE, 'application/json', 'text/plain')
  @ApiHeader({
    name: 'Authorization',
    required: false,
    description: 'Bearer <write key> (or X-Write-Key, or ?writeKey=)',
  })
  @ApiQuery({
    name: 'writeKey',
    required: false,
    description: 'for navigator.sendBeacon, which cannot set headers',
  })
  @ApiBody({
    description: 'a CloudEvent, or an array of them',
    schema: { oneOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' } }] },
  })
  @ApiResponse({
    status: 202,
    description:
      '{ mode, accepted, duplicates, rejected: [{ index, id, problems: [{ path, message }] }] }',
  })
  @ApiResponse({ status: 400, description: 'no event was valid, or the body is not JSON' })
  @ApiResponse({ status: 401, description: 'missing or invalid write key' })
  @ApiResponse({
    status: 413,
    description: 'body over collector.maxBodyBytes or more than collector.maxBatchEvents events',
  })
  @ApiResponse({ status: 415, description: 'unsupported content type' })
  @ApiResponse({
    status: 503,
    description: 'Kafka unavailable; retry after the Retry-After header',
  })
  async collect(@Req() request: Request): Promise<CollectResult> {
    const body = await this.readBody(request);
    return this.collector.collect({
      writeKey: presentedWriteKey(request.headers, request.query),
      contentType: request.headers['content-type'],
      headers: request.headers,
      body,
    });
  }

  private async readBody(request: Request): Promise<Buffer> {
    try {
      return await getRawBody(request, {
        limit: this.config.collector.maxBodyBytes,
        length: request.headers['content-length'],
      });
    } catch (error) {
      if ((error as { type?: string }).type === 'entity.too.large') {
        throw new CollectorException(
          CollectorErrorCode.PayloadTooLarge,
          `the body is larger than ${this.config.collector.maxBodyBytes} bytes`,
        );
      }
      throw new CollectorException(
        CollectorErrorCode.MalformedBody,
        `the body could not be read: ${(error as Error).message}`,
      );
    }
  }
}
