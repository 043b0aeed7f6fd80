import 'reflect-metadata';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IsCurrency, IsMoney } from '../validation/decorators';

/** Data of the `payment-events` topic: attempts, successes, failures and refunds of one payment. */
export class PaymentEvent {
  @IsString() @MaxLength(200) orderId!: string;
  @IsString() @MaxLength(200) paymentId!: string;
  @IsMoney() amount!: string;
  @IsCurrency() currency!: string;
  @IsOptional() @IsString() @MaxLength(100) method?: string;
  @IsOptional() @IsString() @MaxLength(2000) reason?: string;
}
