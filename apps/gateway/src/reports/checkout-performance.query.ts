import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { IsCalendarDate } from '@ctxb/events';

/** GET /v1/reports/checkout-performance parameters. */
export class CheckoutPerformanceParams {
  @ApiProperty({ example: '2026-03-01', description: 'first day of the period (UTC), inclusive' })
  @IsCalendarDate()
  from!: string;

  @ApiProperty({ example: '2026-04-01', description: 'day after the period (UTC), exclusive' })
  @IsCalendarDate()
  to!: string;

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
