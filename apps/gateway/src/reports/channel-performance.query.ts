import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { ATTRIBUTION_MODELS, AttributionModel } from '@ctxb/context';
import { PeriodParams } from './period.query';

/** GET /v1/reports/channels parameters. */
export class ChannelPerformanceParams extends PeriodParams {
  @ApiPropertyOptional({
    enum: ATTRIBUTION_MODELS,
    default: AttributionModel.Linear,
    description: 'the model that splits revenue over channels and campaigns',
  })
  @IsIn(ATTRIBUTION_MODELS)
  model: AttributionModel = AttributionModel.Linear;
}
