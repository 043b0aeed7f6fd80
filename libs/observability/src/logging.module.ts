import { randomUUID } from 'node:crypto';
import { type DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '@ctxb/config';

/** The health checks and the Prometheus endpoint (libs/health, MetricsModule). */
const SCRAPES = ['health', 'health/live', 'metrics'].map((path) => ({
  path,
  method: RequestMethod.ALL,
}));

/**
 * Structured JSON logs (pino) for one app: every line carries `app`, HTTP lines carry a
 * request id (taken from `x-request-id` when the caller sends one). Secrets and bodies are
 * never logged; health and metrics scrapes are not logged at all.
 *
 * Scrapes do not pass through the logging middleware either: it keeps each request's logger
 * in an AsyncLocalStorage, and once one has run, Node hooks every promise the process makes
 * from then on. The engine and the worker answer nothing but scrapes, and their queue and
 * Kafka clients make a promise or more per message.
 */
@Module({})
export class LoggingModule {
  static forApp(app: string, config: AppConfig): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          exclude: SCRAPES,
          pinoHttp: {
            level: config.log.level,
            base: { app },
            transport: config.log.pretty
              ? { target: 'pino-pretty', options: { singleLine: true } }
              : undefined,
            genReqId: (req) => {
              const header = req.headers['x-request-id'];
              return typeof header === 'string' && header.length <= 128 ? header : randomUUID();
            },
            redact: {
              paths: [
                'req.headers.authorization',
                'req.headers.cookie',
                'req.headers["x-api-key"]',
              ],
              remove: true,
            },
            serializers: {
              req: (req: { id: string; method: string; url: string }) => ({
                id: req.id,
                method: req.method,
                url: req.url.split('?')[0],
              }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
          },
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
