import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsObject,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { IsCurrency, IsMoney } from '../validation/decorators';

/** Data of the `customer-journey` topic: what a shopper does on the site or app. */

const ID = 200;
const TEXT = 2000;

export class Utm {
  @IsString() @MaxLength(ID) source!: string;
  @IsString() @MaxLength(ID) medium!: string;
  @IsString() @MaxLength(ID) campaign!: string;
  @IsOptional() @IsString() @MaxLength(ID) term?: string;
  @IsOptional() @IsString() @MaxLength(ID) content?: string;
}

export class PageViewed {
  @IsString() @MaxLength(TEXT) url!: string;
  @IsString() @MaxLength(TEXT) path!: string;
  @IsOptional() @IsString() @MaxLength(TEXT) title?: string;
  @IsOptional() @IsString() @MaxLength(TEXT) referrer?: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => Utm) utm?: Utm;
  /** Page load time from the Navigation Timing API, in milliseconds. */
  @IsOptional() @IsInt() @Min(0) @Max(600_000) loadTimeMs?: number;
}

export class PageEngaged {
  @IsString() @MaxLength(TEXT) path!: string;
  @IsInt() @Min(0) @Max(86_400_000) activeMs!: number;
  @IsOptional() @IsInt() @Min(0) @Max(100) scrollDepthPct?: number;
}

export class ElementClicked {
  @IsString() @MaxLength(TEXT) path!: string;
  @IsString() @MaxLength(ID) elementId!: string;
  @IsOptional() @IsString() @MaxLength(ID) label?: string;
}

export class SearchPerformed {
  @IsString() @MaxLength(TEXT) query!: string;
  @IsOptional() @IsInt() @Min(0) resultsCount?: number;
}

export class ProductViewed {
  @IsString() @MaxLength(ID) productId!: string;
  @IsOptional() @IsMoney() price?: string;
  @IsOptional() @IsCurrency() currency?: string;
  @IsOptional() @IsString() @MaxLength(ID) category?: string;
}

export class ProductCompared {
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(ID, { each: true })
  productIds!: string[];
}

export class ReviewRead {
  @IsString() @MaxLength(ID) productId!: string;
  @IsOptional() @IsString() @MaxLength(ID) reviewId?: string;
}

export class CartItemAdded {
  @IsString() @MaxLength(ID) cartId!: string;
  @IsString() @MaxLength(ID) productId!: string;
  @IsInt() @Min(1) @Max(100_000) quantity!: number;
  @IsMoney() unitPrice!: string;
  @IsCurrency() currency!: string;
}

export class CartItemRemoved {
  @IsString() @MaxLength(ID) cartId!: string;
  @IsString() @MaxLength(ID) productId!: string;
  @IsInt() @Min(1) @Max(100_000) quantity!: number;
}

export class CheckoutStarted {
  @IsString() @MaxLength(ID) cartId!: string;
  @IsOptional() @IsInt() @Min(0) @Max(600_000) pageLoadMs?: number;
}

export class CheckoutFieldInteracted {
  @IsString() @MaxLength(ID) field!: string;
  @IsInt() @Min(0) @Max(86_400_000) dwellMs!: number;
  @IsOptional() @IsInt() @Min(0) @Max(10_000) corrections?: number;
}

export class CheckoutError {
  @IsString() @MaxLength(ID) code!: string;
  @IsOptional() @IsString() @MaxLength(ID) field?: string;
  @IsOptional() @IsString() @MaxLength(TEXT) message?: string;
}

export class DiscountApplied {
  @IsString() @MaxLength(ID) cartId!: string;
  @IsString() @MinLength(1) @MaxLength(ID) code!: string;
}

export class IdentityIdentified {
  @IsString() @MinLength(1) @MaxLength(ID) anonymousId!: string;
  @IsString() @MinLength(1) @MaxLength(ID) customerId!: string;
}
