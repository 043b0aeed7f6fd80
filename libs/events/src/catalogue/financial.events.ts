import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsCalendarDate, IsCurrency, IsMoney } from '../validation/decorators';

/** Data of the `financial-events` topic: what the ERP and marketing systems book. */

export class InvoiceIssued {
  @IsString() @MaxLength(200) invoiceNo!: string;
  @IsString() @MaxLength(200) orderId!: string;
  @IsMoney() amount!: string;
  @IsCurrency() currency!: string;
}

export class JournalLine {
  @IsString() @MaxLength(40) account!: string;
  @IsMoney() debit!: string;
  @IsMoney() credit!: string;
  @IsOptional() @IsString() @MaxLength(200) orderId?: string;
}

export class JournalPosted {
  @IsString() @MaxLength(200) journalId!: string;
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => JournalLine)
  lines!: JournalLine[];
}

export class MarketingSpendRecorded {
  @IsCalendarDate() date!: string;
  @IsString() @MaxLength(100) channel!: string;
  @IsOptional() @IsString() @MaxLength(200) campaign?: string;
  @IsMoney() amount!: string;
  @IsCurrency() currency!: string;
}
