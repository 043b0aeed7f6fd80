import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { ATTRIBUTION_MODELS, AttributionModel } from '@ctxb/context';
import { PeriodParams } from './period.query';

/** GET /v1/reports/revenue-attribution parameters. */
export class RevenueAttributionParams extends PeriodParams {
  @ApiPropertyOptional({ enum: ATTRIBUTION_MODELS, default: AttributionModel.Linear })
  @IsIn(ATTRIBUTION_MODELS)
  model: AttributionModel = AttributionModel.Linear;

  @ApiPropertyOptional({ enum: ['channel', 'campaign'], default: 'channel' })
  @IsIn(['channel', 'campaign'])
  by: 'channel' | 'campaign' = 'channel';

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000, description: 'rows per page' })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit = 100;

  @ApiPropertyOptional({ default: 0, minimum: 0, description: 'rows to skip' })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  offset = 0;
}
