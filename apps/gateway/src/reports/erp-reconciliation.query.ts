import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { PeriodParams } from './period.query';

/** GET /v1/reports/erp-reconciliation parameters. */
export class ErpReconciliationParams extends PeriodParams {
  @ApiPropertyOptional({
    default: 20,
    minimum: 0,
    maximum: 1000,
    description: 'how many of the largest per-context differences to list',
  })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1000)
  differences = 20;
}
