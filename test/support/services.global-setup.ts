import { loadConfig } from '@ctxb/config';
import { LocalServices, renderStatusTable } from '../../apps/cli/src/local-services/local-services';
import { warmUpKafka } from './kafka-warmup';

/**
 * Integration and e2e tests run against real services. This makes sure they are up
 * (`ctxb services up`, idempotent: seconds when they already run) before any test starts.
 */
export default async function servicesGlobalSetup(): Promise<void> {
  const steps: string[] = [];
  const statuses = await new LocalServices().up({
    step: (message) => {
      steps.push(message);
      process.stderr.write(`services: ${message}\n`);
    },
    notice: (message) => process.stderr.write(`services: NOTICE ${message}\n`),
  });
  if (statuses.some((s) => !s.healthy)) {
    throw new Error(`local services are not healthy:\n${renderStatusTable(statuses)}`);
  }
  await warmUpKafka(loadConfig({ env: {} }));
}
