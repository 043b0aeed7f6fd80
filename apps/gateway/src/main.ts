import { runApp } from '@ctxb/observability';
import { gatewayApp } from './gateway.app';

void runApp(gatewayApp);
