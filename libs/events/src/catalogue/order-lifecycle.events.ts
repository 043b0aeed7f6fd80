import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsCurrency, IsMoney } from '../validation/decorators';

/** Data of the `order-lifecycle` topic: the shop backend's order and fulfilment facts. */

const ID = 200;

export class OrderLine {
  @IsString() @MaxLength(ID) productId!: string;
  @IsInt() @Min(1) @Max(100_000) quantity!: number;
  @IsMoney() unitPrice!: string;
}

export class OrderPlaced {
  @IsString() @MaxLength(ID) orderId!: string;
  @IsOptional() @IsString() @MaxLength(ID) cartId?: string;
  @IsOptional() @IsString() @MaxLength(ID) customerId?: string;
  @IsMoney() total!: string;
  @IsCurrency() currency!: string;
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => OrderLine)
  lines!: OrderLine[];
  @IsOptional() @IsString() @MaxLength(ID) discountCode?: string;
}

export class OrderCancelled {
  @IsString() @MaxLength(ID) orderId!: string;
  @IsOptional() @IsString() @MaxLength(2000) reason?: string;
}

export class FulfillmentShipped {
  @IsString() @MaxLength(ID) orderId!: string;
  @IsOptional() @IsString() @MaxLength(ID) carrier?: string;
  @IsOptional() @IsString() @MaxLength(ID) trackingNo?: string;
}

export class FulfillmentDelivered {
  @IsString() @MaxLength(ID) orderId!: string;
}

export class FulfillmentReturned {
  @IsString() @MaxLength(ID) orderId!: string;
  @IsOptional() @IsMoney() amount?: string;
  @IsOptional() @IsString() @MaxLength(2000) reason?: string;
}
