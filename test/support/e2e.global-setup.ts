import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { DebianPackages } from '../../apps/cli/src/local-services/host';
import servicesGlobalSetup from './services.global-setup';

/**
 * E2E tests also run the built apps and CLI as processes, and a real browser: services up,
 * Debian's Chromium installed (first run only), then an incremental build.
 */
export default async function e2eGlobalSetup(): Promise<void> {
  await servicesGlobalSetup();
  await new DebianPackages().ensure(['chromium'], {
    step: (message) => process.stderr.write(`e2e: ${message}\n`),
    notice: (message) => process.stderr.write(`e2e: ${message}\n`),
  });
  execFileSync('npm', ['run', '--silent', 'build'], {
    cwd: join(__dirname, '..', '..'),
    stdio: 'inherit',
  });
}
