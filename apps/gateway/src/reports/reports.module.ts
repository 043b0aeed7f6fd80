import { Module } from '@nestjs/common';
import { GatewayStoreModule } from '../store/gateway-store.module';
import { ReportsController } from './reports.controller';

/** GET /v1/reports…: roll-ups over the context store. */
@Module({ imports: [GatewayStoreModule], controllers: [ReportsController] })
export class ReportsModule {}
