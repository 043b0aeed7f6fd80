import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { CONTEXT_EXTENSIONS, CORE_ATTRIBUTES } from '@ctxb/events';
import { type AppDefinition } from '@ctxb/observability';
import { GatewayModule } from './gateway.module';

/** Attributes a browser may send as ce-* headers in binary mode (data and its type travel in the body). */
const BODY_ONLY = new Set(['data', 'data_base64', 'datacontenttype']);
const CE_HEADERS = [...CORE_ATTRIBUTES, ...CONTEXT_EXTENSIONS]
  .filter((a) => !BODY_ONLY.has(a))
  .map((a) => `ce-${a}`);

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
        'x-api-key',
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
        .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'an API key (api.keys)' })
        .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, 'x-api-key')
        .build(),
    );
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  },
};
