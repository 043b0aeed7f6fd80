import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { type AppDefinition } from '@ctxb/observability';
import { GatewayModule } from './gateway.module';

const CE_HEADERS = [
  'specversion',
  'id',
  'source',
  'type',
  'time',
  'subject',
  'dataschema',
  'anonymousid',
  'customerid',
  'sessionid',
  'correlationid',
  'traceparent',
].map((a) => `ce-${a}`);

export const gatewayApp: AppDefinition = {
  name: 'gateway',
  module: (config) => GatewayModule.forRoot(config),
  listen: (config) => config.gateway.http,
  bodyParser: false,
  configure: (app, config) => {
    app.enableCors({
      origin: config.collector.corsOrigins,
      methods: ['GET', 'POST'],
      allowedHeaders: [
        'content-type',
        'authorization',
        'x-write-key',
        'x-request-id',
        ...CE_HEADERS,
      ],
      maxAge: 600,
    });
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
