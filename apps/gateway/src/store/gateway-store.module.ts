import { Module } from '@nestjs/common';
import { ApiKeyGuard } from '../api/api-key.guard';
import { GatewayStore } from './gateway-store';

/** The context store and the API-key guard, shared by the query modules. */
@Module({ providers: [GatewayStore, ApiKeyGuard], exports: [GatewayStore, ApiKeyGuard] })
export class GatewayStoreModule {}
