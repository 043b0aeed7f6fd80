import {
  BadRequestException,
  Controller,
  Get,
  Query,
  UseGuards,
  UsePipes,
  ValidationPipe,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { checkoutPerformance, type CheckoutPerformance } from '@ctxb/store';
import { ApiKeyGuard, RequiresScope } from '../api/api-key.guard';
import { GatewayStore } from '../store/gateway-store';
import { CheckoutPerformanceParams } from './checkout-performance.query';

/** Periods are bounded: a roll-up over years belongs in the lake, not in a request. */
const MAX_PERIOD_DAYS = 366;
const DAY_MS = 86_400_000;

/** Roll-ups from behaviour to revenue. */
@ApiTags('roll-up')
@ApiBearerAuth()
@ApiSecurity('x-api-key')
@UseGuards(ApiKeyGuard)
@Controller('v1/reports')
export class ReportsController {
  constructor(private readonly store: GatewayStore) {}

  @Get('checkout-performance')
  @RequiresScope('reports:read')
  @UsePipes(
    new ValidationPipe({
      transform: true,
      forbidUnknownValues: true,
      whitelist: true,
      forbidNonWhitelisted: true,
    }),
  )
  @ApiOperation({
    summary: 'What slow checkout pages cost',
    description:
      'Per currency, orders placed in [from, to) whose checkout page loaded slower than slowMs against those faster than fastMs: ' +
      "count, revenue, average order value, the slow orders' average checkout hesitation against the baseline, and " +
      'estimatedMonthlyGain = (fast AOV − slow AOV) × slow orders × 30 days ÷ period days (0 when fast baskets are not larger). ' +
      'Each order counts once, in its newest version; orders without a measured checkout are left out.',
  })
  @ApiResponse({ status: 200, description: '{ from, to, slowMs, fastMs, currencies: [...] }' })
  @ApiResponse({
    status: 400,
    description: 'a parameter is missing or wrong, or the period is empty or over 366 days',
  })
  async checkoutPerformance(@Query() params: CheckoutPerformanceParams): Promise<{
    from: string;
    to: string;
    slowMs: number;
    fastMs: number;
    currencies: CheckoutPerformance[];
  }> {
    const from = day(params.from, 'from');
    const to = day(params.to, 'to');
    const days = (to.getTime() - from.getTime()) / DAY_MS;
    if (days <= 0) throw new BadRequestException('to must be after from');
    if (days > MAX_PERIOD_DAYS)
      throw new BadRequestException(`the period may span at most ${MAX_PERIOD_DAYS} days`);
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
      currencies,
    };
  }
}

/** A calendar date (checked by the parameters' @IsCalendarDate) as its UTC midnight. */
function day(text: string, name: string): Date {
  const date = new Date(`${text}T00:00:00Z`);
  if (date.getUTCFullYear() < 1970 || date.getUTCFullYear() > 2100)
    throw new BadRequestException(`${name} must be between 1970 and 2100`);
  return date;
}
