import { BadRequestException } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsCalendarDate } from '@ctxb/events';

/** Periods are bounded: a roll-up over years belongs in the lake, not in a request. */
export const MAX_PERIOD_DAYS = 366;
const DAY_MS = 86_400_000;

/** A report's period: whole UTC days, [from, to). */
export class PeriodParams {
  @ApiProperty({ example: '2026-03-01', description: 'first day of the period (UTC), inclusive' })
  @IsCalendarDate()
  from!: string;

  @ApiProperty({ example: '2026-04-01', description: 'day after the period (UTC), exclusive' })
  @IsCalendarDate()
  to!: string;
}

/** The period as instants, or a 400 when it is empty, too long or outside 1970–2100. */
export function periodOf(params: PeriodParams): { from: Date; to: Date } {
  const from = day(params.from, 'from');
  const to = day(params.to, 'to');
  const days = (to.getTime() - from.getTime()) / DAY_MS;
  if (days <= 0) throw new BadRequestException('to must be after from');
  if (days > MAX_PERIOD_DAYS)
    throw new BadRequestException(`the period may span at most ${MAX_PERIOD_DAYS} days`);
  return { from, to };
}

/** A calendar date (checked by @IsCalendarDate) as its UTC midnight. */
function day(text: string, name: string): Date {
  const date = new Date(`${text}T00:00:00Z`);
  if (date.getUTCFullYear() < 1970 || date.getUTCFullYear() > 2100)
    throw new BadRequestException(`${name} must be between 1970 and 2100`);
  return date;
}
