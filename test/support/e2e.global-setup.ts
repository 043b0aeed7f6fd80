import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import servicesGlobalSetup from './services.global-setup';

/** E2E tests also run the built apps and CLI as processes: services up, then an (incremental) build. */
export default async function e2eGlobalSetup(): Promise<void> {
  await servicesGlobalSetup();
  execFileSync('npm', ['run', '--silent', 'build'], {
    cwd: join(__dirname, '..', '..'),
    stdio: 'inherit',
  });
}
