import { Module } from '@nestjs/common';
import { GatewayStoreModule } from '../store/gateway-store.module';
import { PanelController, PanelLinkController } from './panel.controller';

/** The journey panel at signed links, and the API that makes the links. */
@Module({ imports: [GatewayStoreModule], controllers: [PanelController, PanelLinkController] })
export class PanelModule {}
