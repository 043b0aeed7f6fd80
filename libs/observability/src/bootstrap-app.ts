import 'reflect-metadata';
import { type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import {
  type AppConfig,
  ConfigurationException,
  type HttpListenConfig,
  loadConfig,
} from '@ctxb/config';

/** Exit code for a configuration error (sysexits EX_CONFIG), so supervisors can tell it apart. */
export const EXIT_CONFIG = 78;

export interface AppDefinition {
  name: string;
  module(config: AppConfig): DynamicModule;
  listen(config: AppConfig): HttpListenConfig;
  /** False when the app reads request bodies itself (the collector enforces its own limits). */
  bodyParser?: boolean;
  /** Extra HTTP setup (OpenAPI, CORS, body limits) before listening. */
  configure?(app: INestApplication, config: AppConfig): void;
}

/** Builds an app from an already-loaded configuration, with structured logs. */
export async function createApp(
  definition: AppDefinition,
  config: AppConfig,
): Promise<INestApplication> {
  const app = await NestFactory.create(definition.module(config), {
    bufferLogs: true,
    bodyParser: definition.bodyParser ?? true,
    // A provider that cannot start (a connector profile that does not read) throws to the
    // caller instead of ending the process: runApp reports it like a configuration error.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  (app.getHttpAdapter().getInstance() as { disable?: (setting: string) => void }).disable?.(
    'x-powered-by',
  );
  definition.configure?.(app, config);
  return app;
}

/**
 * The whole of each app's main.ts: load and validate the configuration first (a bad value
 * exits with the loader's message naming key and file, not a stack trace, as does a connector
 * profile the app cannot read), then create the app and listen on its configured address.
 * SIGTERM/SIGINT close it cleanly.
 */
export async function runApp(definition: AppDefinition): Promise<INestApplication> {
  const exitOnConfigurationError = (error: unknown): never => {
    if (error instanceof ConfigurationException) {
      process.stderr.write(`${definition.name}: ${error.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw error;
  };
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    return exitOnConfigurationError(error);
  }
  const app = await createApp(definition, config).catch(exitOnConfigurationError);
  const { host, port } = definition.listen(config);
  await app.listen(port, host);
  const logger = app.get(Logger);
  logger.log(`${definition.name} listening on http://${host}:${port}`);
  closeOnSignals(app, logger);
  return app;
}

/**
 * SIGTERM/SIGINT: close the app (consumers, workers and connections run their shutdown
 * hooks) and exit 0; exit 1 when closing fails. A second signal exits at once.
 */
function closeOnSignals(app: INestApplication, logger: Logger): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) process.exit(1);
    closing = true;
    logger.log(`${signal} received, shutting down`);
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(error, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
