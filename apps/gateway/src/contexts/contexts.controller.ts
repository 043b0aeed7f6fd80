import {
  BadRequestException,
  Controller,
  Get,
  NotFoundException,
  Param,
  Query,
  UseGuards,
  UsePipes,
  ValidationPipe,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { contextReferenceId, isContextReferenceId, type ContextRecord } from '@ctxb/context';
import type { DeliveryAttempt } from '@ctxb/delivery';
import { LINKED_DOCUMENT_KINDS, type ErpAmountReading } from '@ctxb/store';
import { ApiKeyGuard, RequiresScope } from '../api/api-key.guard';
import { GatewayStore } from '../store/gateway-store';
import { ContextPageParams } from './page.query';

/**
 * Documents another system reports about an order, as the engine correlates them, and the
 * records the connectors wrote the reference into (ERP ids, CRM ids).
 */
export const DOCUMENT_KINDS = [
  'invoice',
  'journal',
  'payment',
  'shipment',
  'return',
  'cart',
  ...LINKED_DOCUMENT_KINDS,
] as const;
const ID_MAX = 200;

export interface ContextAnswer {
  contextReferenceId: string;
  version: number;
  /** The whole newest version: sessions, touchpoints, attribution per model, signals, state history, correlated documents. */
  context: ContextRecord;
}

/** A page of answers, and whether another follows. */
export interface Paged<T> {
  items: T[];
  page: { limit: number; offset: number; hasMore: boolean };
}

/** The page of `found`, read with one more than the limit to tell whether another follows. */
function pageOf<F, T>(found: readonly F[], page: ContextPageParams, answer: (f: F) => T): Paged<T> {
  return {
    items: found.slice(0, page.limit).map(answer),
    page: { limit: page.limit, offset: page.offset, hasMore: found.length > page.limit },
  };
}

/**
 * Drill-down from the ERP or CRM to the journey: by the reference written into the ERP
 * record, by order id, or by a correlated document (invoice number, GL journal id, …).
 * Always the context's newest version.
 */
@ApiTags('drill-down')
@ApiBearerAuth()
@ApiSecurity('x-api-key')
@UseGuards(ApiKeyGuard)
@Controller('v1/contexts')
export class ContextsController {
  constructor(private readonly store: GatewayStore) {}

  @Get('by-order/:orderId')
  @RequiresScope('contexts:read')
  @ApiOperation({ summary: 'The context of an order, by the order id' })
  @ApiParam({ name: 'orderId', description: 'the order id as the shop sent it (1–200 characters)' })
  @ApiResponse({ status: 200, description: '{ contextReferenceId, version, context }' })
  @ApiResponse({ status: 404, description: 'no context for this order (yet)' })
  async byOrder(@Param('orderId') orderId: string): Promise<ContextAnswer> {
    if (orderId.length === 0 || orderId.length > ID_MAX)
      throw new BadRequestException(`orderId must be 1 to ${ID_MAX} characters`);
    return this.answer(contextReferenceId(orderId), `order "${orderId}"`);
  }

  @Get('by-document/:kind/:id')
  @RequiresScope('contexts:read')
  @ApiOperation({
    summary: 'The contexts of a document of another system: an ERP document or a CRM record',
    description: `kind is one of ${DOCUMENT_KINDS.join(', ')}. invoice … cart: documents the events name (the context's newest version); crm, erp-order, erp-invoice, erp-journal: records a connector wrote the reference into, by their id in that system (a Salesforce Opportunity id, an ERP document id). Usually one context answers.`,
  })
  @ApiParam({ name: 'kind', enum: DOCUMENT_KINDS })
  @ApiParam({ name: 'id', description: 'the document number or id (1–200 characters)' })
  @ApiResponse({
    status: 200,
    description:
      '{ items: [{ contextReferenceId, version, context }], page: { limit, offset, hasMore } }, in reference order',
  })
  @ApiResponse({ status: 400, description: 'unknown kind, id too long, or a bad limit/offset' })
  @UsePipes(
    new ValidationPipe({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: true,
    }),
  )
  async byDocument(
    @Param('kind') kind: string,
    @Param('id') id: string,
    @Query() page: ContextPageParams,
  ): Promise<Paged<ContextAnswer>> {
    if (!(DOCUMENT_KINDS as readonly string[]).includes(kind))
      throw new BadRequestException(`kind must be one of ${DOCUMENT_KINDS.join(', ')}`);
    if (id.length === 0 || id.length > ID_MAX)
      throw new BadRequestException(`id must be 1 to ${ID_MAX} characters`);
    // One more than asked: whether another page follows.
    const found = await this.store.read((s) =>
      s.records.contextsOfDocument(kind, id, { limit: page.limit + 1, offset: page.offset }),
    );
    return pageOf(found, page, (c) => ({
      contextReferenceId: c.contextReferenceId,
      version: c.version,
      context: c.record,
    }));
  }

  @Get(':contextReferenceId/deliveries')
  @RequiresScope('contexts:read')
  @ApiOperation({
    summary: "A context's delivery log: every try of every link job into the ERPs and CRMs",
    description:
      'Newest first. status is written, current (the target already held this version or a newer one), none (nothing to link yet, e.g. no invoice), retrying or dead-lettered; recordIds are the target records written (order, invoice or journal numbers).',
  })
  @ApiParam({ name: 'contextReferenceId', example: 'ctx_abcdefghijklmnopqrstuvwxyz' })
  @ApiResponse({
    status: 200,
    description:
      '{ items: [{ at, connector, target, version, orderId, jobId, attempt, status, recordIds, failureKind, error, durationMs }], page: { limit, offset, hasMore } }',
  })
  @ApiResponse({ status: 400, description: 'not a context reference, or a bad limit/offset' })
  @UsePipes(new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }))
  async deliveries(
    @Param('contextReferenceId') reference: string,
    @Query() page: ContextPageParams,
  ): Promise<Paged<DeliveryAttempt>> {
    if (!isContextReferenceId(reference))
      throw new BadRequestException('contextReferenceId must be ctx_ and 26 base32 characters');
    const found = await this.store.read((s) =>
      s.deliveries.list({
        contextReferenceId: reference,
        limit: page.limit + 1,
        offset: page.offset,
      }),
    );
    return pageOf(found, page, (attempt) => attempt);
  }

  @Get(':contextReferenceId/erp-amounts')
  @RequiresScope('contexts:read')
  @ApiOperation({
    summary: 'The money the ERPs hold for this context, read back after each link',
    description:
      "Per connector, module (om: the order's total, ar: each invoice's amount, gl: each journal's posted revenue, credit less debit on the accounts the profile names) and document: the newest reading, with the context version whose delivery read it. Only modules whose profile names its amounts are read.",
  })
  @ApiParam({ name: 'contextReferenceId', example: 'ctx_abcdefghijklmnopqrstuvwxyz' })
  @ApiResponse({
    status: 200,
    description:
      '{ items: [{ connector, target, document, currency, amount, rows, version, readAt }] }',
  })
  @ApiResponse({ status: 400, description: 'not a context reference' })
  async erpAmounts(
    @Param('contextReferenceId') reference: string,
  ): Promise<{ items: ErpAmountReading[] }> {
    if (!isContextReferenceId(reference))
      throw new BadRequestException('contextReferenceId must be ctx_ and 26 base32 characters');
    return { items: await this.store.read((s) => s.erpAmounts.ofContext(reference)) };
  }

  @Get(':contextReferenceId')
  @RequiresScope('contexts:read')
  @ApiOperation({ summary: 'A context by the reference written into ERP and CRM records' })
  @ApiParam({ name: 'contextReferenceId', example: 'ctx_abcdefghijklmnopqrstuvwxyz' })
  @ApiResponse({ status: 200, description: '{ contextReferenceId, version, context }' })
  @ApiResponse({
    status: 400,
    description: 'not a context reference (ctx_ + 26 base32 characters)',
  })
  @ApiResponse({ status: 401, description: 'missing or invalid API key' })
  @ApiResponse({ status: 403, description: 'the key lacks contexts:read' })
  @ApiResponse({ status: 404, description: 'no such context' })
  async byReference(@Param('contextReferenceId') reference: string): Promise<ContextAnswer> {
    if (!isContextReferenceId(reference))
      throw new BadRequestException('contextReferenceId must be ctx_ and 26 base32 characters');
    return this.answer(reference, reference);
  }

  private async answer(reference: string, what: string): Promise<ContextAnswer> {
    const found = await this.store.read((s) => s.records.newestRecord(reference));
    if (!found) throw new NotFoundException(`no context for ${what.slice(0, 250)}`);
    return { contextReferenceId: reference, version: found.version, context: found.record };
  }
}
