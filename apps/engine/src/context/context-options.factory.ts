import type { AppConfig } from '@ctxb/config';
import { contextOptionsOf, type ContextOptions } from '@ctxb/context';

/** The engine options from the validated configuration. */
export function contextOptionsFrom(config: AppConfig): ContextOptions {
  return contextOptionsOf(config.context, config.channels.rules);
}
