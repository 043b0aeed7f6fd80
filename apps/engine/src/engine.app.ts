import { type AppDefinition } from '@ctxb/observability';
import { EngineModule } from './engine.module';

export const engineApp: AppDefinition = {
  name: 'engine',
  module: (config) => EngineModule.forRoot(config),
  listen: (config) => config.engine.http,
};
