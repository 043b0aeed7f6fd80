import { join } from 'node:path';
import { type AppConfig } from '@ctxb/config';
import { DebianPackages } from './host';

/** What every local service needs to know: where the project and its git-ignored state live. */
export class LocalServicesContext {
  readonly stateDir: string;
  readonly assetsDir: string;
  readonly packages = new DebianPackages();

  constructor(
    readonly projectRoot: string,
    readonly config: AppConfig,
  ) {
    this.stateDir = join(projectRoot, '.local');
    this.assetsDir = join(projectRoot, 'apps', 'cli', 'assets');
  }

  state(...parts: string[]): string {
    return join(this.stateDir, ...parts);
  }
}

export function hostAndPort(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}
