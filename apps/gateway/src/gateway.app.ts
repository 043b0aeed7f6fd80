import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { type AppDefinition } from '@ctxb/observability';
import { GatewayModule } from './gateway.module';

export const gatewayApp: AppDefinition = {
  name: 'gateway',
  module: (config) => GatewayModule.forRoot(config),
  listen: (config) => config.gateway.http,
  configure: (app) => {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Context Bridge API')
        .setDescription(
          'Event collector, drill-down (ERP → journey) and roll-up (behaviour → revenue) API.',
        )
        .setVersion('1')
        .build(),
    );
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  },
};
