/** Small helpers for benchmarks: timing, formatting, and the ratio line every benchmark prints. */

export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = process.hrtime.bigint();
  const result = await work();
  return { result, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

export function rate(count: number, seconds: number): number {
  return count / seconds;
}

export function formatRate(perSecond: number, unit = 'events/s'): string {
  return `${Math.round(perSecond).toLocaleString('en-US')} ${unit}`;
}

export function report(
  rows: { name: string; value: number; unit?: string }[],
  baseline: number,
  goal?: { ratio: number; text: string },
): void {
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const row of rows) {
    console.log(
      `  ${row.name.padEnd(width)}  ${formatRate(row.value, row.unit).padStart(20)}   ratio to baseline ${(row.value / baseline).toFixed(2)}`,
    );
  }
  if (goal) {
    const ratio = rows[rows.length - 1].value / baseline;
    console.log(
      `  goal: ${goal.text} → ${ratio >= goal.ratio ? 'met' : 'NOT met'} (${ratio.toFixed(2)})`,
    );
  }
}
