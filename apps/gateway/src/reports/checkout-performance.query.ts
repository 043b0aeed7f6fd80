import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { PeriodParams } from './period.query';

/** GET /v1/reports/checkout-performance parameters. */
export class CheckoutPerformanceParams extends PeriodParams {
  @ApiPropertyOptional({ default: 5000, description: 'a checkout page slower than this is slow' })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(600_000)
  slowMs = 5000;

  @ApiPropertyOptional({ default: 2000, description: 'a checkout page faster than this is fast' })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(600_000)
  fastMs = 2000;
}
