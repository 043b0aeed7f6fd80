import {
  applyDecorators,
  BadRequestException,
  Controller,
  Get,
  Query,
  UseGuards,
  UsePipes,
  ValidationPipe,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AppConfig } from '@ctxb/config';
import { contextOptionsOf, type ContextOptions, type IntentReport } from '@ctxb/context';
import {
  attributionModels,
  channelPerformance,
  checkoutPerformance,
  erpReconciliation,
  intentSignalReport,
  orderFulfillment,
  revenueAttribution,
  type AttributionModels,
  type ChannelReport,
  type CheckoutPerformance,
  type ErpReconciliation,
  type FulfillmentTier,
  type RevenueAttribution,
} from '@ctxb/store';
import { ApiKeyGuard, RequiresScope } from '../api/api-key.guard';
import { GatewayStore } from '../store/gateway-store';
import { ChannelPerformanceParams } from './channel-performance.query';
import { CheckoutPerformanceParams } from './checkout-performance.query';
import { ErpReconciliationParams } from './erp-reconciliation.query';
import { PeriodParams, periodOf } from './period.query';
import { RevenueAttributionParams } from './revenue-attribution.query';

/** Query parameters are checked whole: unknown ones and wrong types are a 400. */
const STRICT_PARAMETERS = new ValidationPipe({
  transform: true,
  forbidUnknownValues: true,
  whitelist: true,
  forbidNonWhitelisted: true,
});

/** What every report route shares: the scope, strict parameters, and the 400 it answers. */
const PeriodReport = () =>
  applyDecorators(
    RequiresScope('reports:read'),
    UsePipes(STRICT_PARAMETERS),
    ApiResponse({
      status: 400,
      description: 'a parameter is missing or wrong, or the period is empty or over 366 days',
    }),
  );

/** Roll-ups from behaviour to revenue. */
@ApiTags('roll-up')
@ApiBearerAuth()
@ApiSecurity('x-api-key')
@UseGuards(ApiKeyGuard)
@Controller('v1/reports')
export class ReportsController {
  private readonly contextOptions: ContextOptions;

  constructor(
    private readonly store: GatewayStore,
    config: AppConfig,
  ) {
    this.contextOptions = contextOptionsOf(config.context, config.channels.rules);
  }

  @Get('checkout-performance')
  @PeriodReport()
  @ApiOperation({
    summary: 'What slow checkout pages cost',
    description:
      'Per currency, orders placed in [from, to) whose checkout page loaded slower than slowMs against those faster than fastMs: ' +
      "count, revenue, average order value, the slow orders' average checkout hesitation against the baseline (baselineMs, " +
      "context.checkoutBaselineSeconds), the median checkout-to-order time of the orders counted (the customer base's own, " +
      'to set that baseline by), and ' +
      'estimatedMonthlyGain = (fast AOV − slow AOV) × slow orders × 30 days ÷ period days (0 when fast baskets are not larger). ' +
      'Each order counts once, in its newest version; orders without a measured checkout are left out.',
  })
  @ApiResponse({
    status: 200,
    description: '{ from, to, slowMs, fastMs, baselineMs, currencies: [...] }',
  })
  async checkoutPerformance(@Query() params: CheckoutPerformanceParams): Promise<{
    from: string;
    to: string;
    slowMs: number;
    fastMs: number;
    /** The baseline hesitation is measured against (context.checkoutBaselineSeconds). */
    baselineMs: number;
    currencies: CheckoutPerformance[];
  }> {
    const { from, to } = periodOf(params);
    if (params.fastMs > params.slowMs)
      throw new BadRequestException('fastMs must not be above slowMs');
    const currencies = await this.store.read((s) =>
      checkoutPerformance(s.client, { from, to, slowMs: params.slowMs, fastMs: params.fastMs }),
    );
    return {
      from: params.from,
      to: params.to,
      slowMs: params.slowMs,
      fastMs: params.fastMs,
      baselineMs: this.contextOptions.checkoutBaselineMs,
      currencies,
    };
  }

  @Get('revenue-attribution')
  @PeriodReport()
  @ApiOperation({
    summary: 'Revenue by campaign or channel across the shop, AR, GL and CRM, gross and net',
    description:
      'Orders placed in [from, to), each in its newest version, their amounts split by the weights of one attribution model ' +
      '(first-touch, last-touch, linear, time-decay, position-based) per channel or campaign. For every row: the orders credited ' +
      "(sum of weights), the shop's order totals, AR's invoiced amounts and GL's revenue-account postings, each gross and net, " +
      'and the differences between modules (AR − shop, GL − AR; GL revenue is usually net of tax). Net: a return and its refund ' +
      'reduce once (the larger counts), an order never paid (payment failed, cancelled) counts 0, GL net is credits less debits. ' +
      'crm: what the CRM holds for the orders it reported (a Salesforce profile with amounts reads the Opportunity amount back ' +
      'after each upsert), in the order currency, with how many orders that is (weighted); null when it reported none. ' +
      'totals: per currency, the same amounts unattributed. Rows sorted by net ' +
      'ordered revenue, paginated with limit and offset (page.hasMore).',
  })
  @ApiResponse({ status: 200, description: '{ from, to, model, by, rows, totals, page }' })
  async revenueAttribution(
    @Query() params: RevenueAttributionParams,
  ): Promise<RevenueAttribution & { from: string; to: string; model: string; by: string }> {
    const { from, to } = periodOf(params);
    const report = await this.store.read((s) =>
      revenueAttribution(s.client, {
        from,
        to,
        model: params.model,
        by: params.by,
        limit: params.limit,
        offset: params.offset,
      }),
    );
    return { from: params.from, to: params.to, model: params.model, by: params.by, ...report };
  }

  @Get('erp-reconciliation')
  @PeriodReport()
  @ApiOperation({
    summary:
      'ERP and CRM figures against the context: order totals, invoiced amounts, posted revenue, CRM amounts',
    description:
      'For orders placed in [from, to), per connector, module and currency: the money the ERP documents hold as the worker ' +
      "read them back after linking (om: the order's total; ar: the invoices; gl: the journals' revenue lines, credit less " +
      "debit; crm: the CRM record's amount) against the context's newest version (the shop's order total, invoiced amount, " +
      'GL revenue net; the order total for crm), how many ' +
      'contexts were read and how many disagree, and the largest per-context differences (ERP − context). Only modules ' +
      'whose connector profile names its amounts are read.',
  })
  @ApiResponse({
    status: 200,
    description:
      '{ from, to, rows: [{ connector, target, currency, contexts, differing, context, erp, difference }], differences: [{ contextReferenceId, connector, target, currency, context, erp, difference }] }',
  })
  async erpReconciliation(
    @Query() params: ErpReconciliationParams,
  ): Promise<ErpReconciliation & { from: string; to: string }> {
    const { from, to } = periodOf(params);
    const report = await this.store.read((s) =>
      erpReconciliation(s.client, { from, to, differences: params.differences }),
    );
    return { from: params.from, to: params.to, ...report };
  }

  @Get('attribution-models')
  @PeriodReport()
  @ApiOperation({
    summary: 'Which channels matter: data-driven (Markov) attribution beside the rule-based models',
    description:
      "Each channel's share of the conversions of [from, to) under a Markov chain's removal effects over the period's " +
      'journeys, converting and not (every device with behaviour in the period, its sessions as a path of channels up to ' +
      'its first order; computed in closed form, so the same data always gives the same shares), and under first-touch, ' +
      'last-touch, linear, time-decay and position-based over the newest version of every order placed in the period. ' +
      'A journey is a device here: a customer on two devices counts as two.',
  })
  @ApiResponse({
    status: 200,
    description: '{ from, to, journeys, conversionProbability, models: [{ model, channels }] }',
  })
  async attributionModels(
    @Query() params: PeriodParams,
  ): Promise<AttributionModels & { from: string; to: string }> {
    const period = periodOf(params);
    const report = await this.store.read((s) =>
      attributionModels(s.client, period, this.contextOptions),
    );
    return { from: params.from, to: params.to, ...report };
  }

  @Get('intent-signals')
  @PeriodReport()
  @ApiOperation({
    summary: 'High-intent and friction signals against close rate',
    description:
      'Every journey of [from, to), converting or not (each device with behaviour in the period, up to its first ' +
      'order), marked with the signals it showed: came back, searched, browsed 3+ products, 2+ minutes on product ' +
      'pages, read reviews, compared, added to cart, abandoned a cart, applied a discount, started checkout (intent); ' +
      'a checkout page slower than 5 s, a checkout error (friction). Per signal: journeys, how many ordered, the close ' +
      'rate with and without it, and its lift over the close rate of all journeys; highest lift first.',
  })
  @ApiResponse({
    status: 200,
    description:
      '{ from, to, journeys, converting, closeRate, signals: [{ signal, kind, description, journeys, converting, closeRate, closeRateWithout, lift }] }',
  })
  async intentSignals(
    @Query() params: PeriodParams,
  ): Promise<IntentReport & { from: string; to: string }> {
    const period = periodOf(params);
    const report = await this.store.read((s) =>
      intentSignalReport(s.client, period, this.contextOptions),
    );
    return { from: params.from, to: params.to, ...report };
  }

  @Get('channels')
  @PeriodReport()
  @ApiOperation({
    summary:
      'Revenue, spend, true CAC and ROI per channel and campaign; first, assisted and last-touch shares',
    description:
      'Per currency and channel, for orders placed in [from, to) in their newest version: orders and net revenue credited ' +
      'under the model, marketing spend (marketing.spend.recorded events dated in the period), new customers (first order ' +
      'ever in the period, by its first touch), true CAC = spend ÷ new customers, ROI = (revenue − spend) ÷ spend, and the ' +
      'shares of conversions where the channel was the first touch, an assist or the last touch; per campaign, revenue, ' +
      'spend and ROI; overall, conversions and average touchpoints per conversion.',
  })
  @ApiResponse({
    status: 200,
    description: '{ from, to, model, conversions, averageTouchpointsPerConversion, currencies }',
  })
  async channels(
    @Query() params: ChannelPerformanceParams,
  ): Promise<ChannelReport & { from: string; to: string; model: string }> {
    const period = periodOf(params);
    const report = await this.store.read((s) =>
      channelPerformance(s.client, { ...period, model: params.model }),
    );
    return { from: params.from, to: params.to, model: params.model, ...report };
  }

  @Get('fulfillment')
  @PeriodReport()
  @ApiOperation({
    summary: 'Order-state durations and fulfillment time by order value',
    description:
      'Orders placed in [from, to), each in its newest version, split per currency into thirds by order value (low, mid, ' +
      'high): per tier, the value range, the orders, how long orders stayed in each state (average and median, orders ' +
      'still in a state left out) and the time from placed to delivered for the orders delivered so far.',
  })
  @ApiResponse({ status: 200, description: '{ from, to, tiers: [...] }' })
  async fulfillment(
    @Query() params: PeriodParams,
  ): Promise<{ from: string; to: string; tiers: FulfillmentTier[] }> {
    const period = periodOf(params);
    const tiers = await this.store.read((s) => orderFulfillment(s.client, period));
    return { from: params.from, to: params.to, tiers };
  }
}
