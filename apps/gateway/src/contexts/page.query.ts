import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

/** A page of contexts: each item is a whole context, so pages are small. */
export class ContextPageParams {
  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 100, description: 'contexts per page' })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit = 20;

  @ApiPropertyOptional({ default: 0, minimum: 0, description: 'contexts to skip' })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  offset = 0;
}
