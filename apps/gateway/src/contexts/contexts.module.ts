import { Module } from '@nestjs/common';
import { GatewayStoreModule } from '../store/gateway-store.module';
import { ContextsController } from './contexts.controller';

/** GET /v1/contexts…: the drill-down API over the context store. */
@Module({ imports: [GatewayStoreModule], controllers: [ContextsController] })
export class ContextsModule {}
