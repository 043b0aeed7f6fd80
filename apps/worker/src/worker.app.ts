import { type AppDefinition } from '@ctxb/observability';
import { WorkerModule } from './worker.module';

export const workerApp: AppDefinition = {
  name: 'worker',
  module: (config) => WorkerModule.forRoot(config),
  listen: (config) => config.worker.http,
};
