/** Rejects when `work` takes longer than `ms`, so one hung dependency cannot hang a health check. */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function errorMessage(error: unknown): string {
  const odbcErrors = (error as { odbcErrors?: { message: string }[] } | undefined)?.odbcErrors;
  if (odbcErrors?.[0]) return odbcErrors[0].message;
  return error instanceof Error ? error.message : String(error);
}
