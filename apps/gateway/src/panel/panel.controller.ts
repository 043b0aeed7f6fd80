import {
  Controller,
  ForbiddenException,
  Get,
  Header,
  NotFoundException,
  Param,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExcludeEndpoint,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { AppConfig } from '@ctxb/config';
import { isContextReferenceId } from '@ctxb/context';
import { ApiKeyGuard, RequiresScope } from '../api/api-key.guard';
import { GatewayStore } from '../store/gateway-store';
import {
  PANEL_CSS,
  PENDING_RELOAD_SECONDS,
  renderJourneyPanel,
  renderPendingPanel,
  type LinkedRecord,
} from './journey-panel';
import { checkPanelLink, panelLink } from '@ctxb/panel';

/**
 * The journey panel: an HTML page per context at a signed link, for ERP screens and CRM
 * records (no login beyond the link), framed only by the configured origins, with every asset
 * served here.
 */
@Controller('panel')
export class PanelController {
  constructor(
    private readonly store: GatewayStore,
    private readonly config: AppConfig,
  ) {}

  @Get('assets/panel.css')
  @ApiExcludeEndpoint()
  @Header('content-type', 'text/css; charset=utf-8')
  @Header('cache-control', 'public, max-age=3600')
  stylesheet(): string {
    return PANEL_CSS;
  }

  @Get(':contextReferenceId')
  @ApiExcludeEndpoint()
  async panel(
    @Param('contextReferenceId') reference: string,
    @Query('expires') expires: string | undefined,
    @Query('signature') signature: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const { secret, frameAncestors } = this.config.panel;
    if (!secret) throw new NotFoundException('the journey panel is not configured (panel.secret)');
    if (!isContextReferenceId(reference)) throw new NotFoundException('no such context');
    const check = checkPanelLink(secret, reference, expires, signature, Date.now());
    if (check === 'expired') throw new ForbiddenException('this journey panel link has expired');
    if (check === 'invalid') throw new ForbiddenException('this journey panel link is not valid');
    const [newest, deliveries, held] = await this.store.read((s) =>
      Promise.all([
        s.records.newestRecord(reference),
        s.deliveries.list({ contextReferenceId: reference, limit: 500 }),
        s.erpAmounts.ofContext(reference),
      ]),
    );
    const linked = new Map<string, LinkedRecord>();
    for (const d of deliveries)
      if (d.status === 'written' || d.status === 'current')
        for (const id of d.recordIds)
          linked.set(`${d.connector}|${d.target}|${id}`, {
            connector: d.connector,
            target: d.target,
            id,
          });
    const records = [...linked.values()].sort((a, b) =>
      `${a.connector}${a.target}${a.id}`.localeCompare(`${b.connector}${b.target}${b.id}`),
    );
    res.set({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': [
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        `frame-ancestors 'self'${frameAncestors.map((o) => ` ${o}`).join('')}`,
      ].join('; '),
      'x-content-type-options': 'nosniff',
      // The link is the credential: it never leaves in a Referer header.
      'referrer-policy': 'no-referrer',
      'cache-control': 'private, no-store',
    });
    // A signed link to a context not stored yet (an ERP record linked on placement): a page
    // that says so and reloads itself.
    if (!newest)
      res
        .status(404)
        .set('retry-after', String(PENDING_RELOAD_SECONDS))
        .send(renderPendingPanel(reference, records));
    else res.status(200).send(renderJourneyPanel(newest.record, records, held));
  }
}

/** GET /v1/contexts/{ref}/panel-link: a signed link to a context's journey panel. */
@ApiTags('drill-down')
@ApiBearerAuth()
@ApiSecurity('x-api-key')
@UseGuards(ApiKeyGuard)
@Controller('v1/contexts')
export class PanelLinkController {
  constructor(
    private readonly store: GatewayStore,
    private readonly config: AppConfig,
  ) {}

  @Get(':contextReferenceId/panel-link')
  @RequiresScope('contexts:read')
  @ApiOperation({
    summary: "A signed link to a context's journey panel, to write into ERP and CRM records",
    description:
      'The link opens /panel/{contextReferenceId} without a login until it expires (panel.linkTtlSeconds); it is signed with HMAC-SHA256 over the reference and the expiry.',
  })
  @ApiParam({ name: 'contextReferenceId', example: 'ctx_abcdefghijklmnopqrstuvwxyz' })
  @ApiResponse({ status: 200, description: '{ url, expiresAt }' })
  @ApiResponse({ status: 404, description: 'no such context, or the panel is not configured' })
  async link(
    @Param('contextReferenceId') reference: string,
  ): Promise<{ url: string; expiresAt: string }> {
    const { secret, linkTtlSeconds, publicUrl } = this.config.panel;
    if (!secret) throw new NotFoundException('the journey panel is not configured (panel.secret)');
    if (
      !isContextReferenceId(reference) ||
      !(await this.store.read((s) => s.records.newestRecord(reference)))
    )
      throw new NotFoundException('no such context');
    const expiresAt = new Date(Math.floor(Date.now() / 1000) * 1000 + linkTtlSeconds * 1000);
    return {
      url: panelLink(publicUrl, secret, reference, expiresAt),
      expiresAt: expiresAt.toISOString(),
    };
  }
}
