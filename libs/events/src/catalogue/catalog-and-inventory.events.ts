import 'reflect-metadata';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsCurrency, IsMoney } from '../validation/decorators';

/** Data of the `product-catalog` topic. */
export class ProductUpdated {
  @IsString() @MaxLength(200) productId!: string;
  @IsOptional() @IsMoney() price?: string;
  @IsOptional() @IsCurrency() currency?: string;
  @IsOptional() @IsString() @MaxLength(200) category?: string;
}

/** Data of the `inventory-changes` topic. */
export class InventoryAdjusted {
  @IsString() @MaxLength(200) sku!: string;
  @IsOptional() @IsString() @MaxLength(200) warehouse?: string;
  @IsInt() @Min(-1_000_000_000) @Max(1_000_000_000) delta!: number;
  @IsInt() @Min(-1_000_000_000) @Max(1_000_000_000) onHand!: number;
}
