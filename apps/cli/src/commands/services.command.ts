import { Command } from 'commander';
import { LocalServices, renderStatusTable, SERVICE_NAMES } from '../local-services/local-services';
import { consoleProgress } from './progress';

export function servicesCommand(): Command {
  const services = new Command('services').description(
    'Run the services Context Bridge needs on this machine, without Docker: ' +
      `${SERVICE_NAMES.join(', ')}. Installs what is missing (Debian packages, Kafka jars from Maven Central).`,
  );

  services
    .command('up')
    .description('start every service that is not running (idempotent; a second run takes seconds)')
    .argument('[names...]', `only these services (${SERVICE_NAMES.join(', ')})`)
    .option('-q, --quiet', 'print only the final table')
    .action(async (names: string[], options: { quiet?: boolean }) => {
      const statuses = await new LocalServices().up(consoleProgress(options.quiet), names);
      console.log(renderStatusTable(statuses));
      if (statuses.some((s) => !s.healthy)) process.exitCode = 1;
    });

  services
    .command('down')
    .description('stop the services this project started (never ones it found running)')
    .argument('[names...]', 'only these services')
    .action(async (names: string[]) => {
      await new LocalServices().down(consoleProgress(), names);
    });

  services
    .command('status')
    .description('print every service with its version, address and health; exit 1 if any is down')
    .argument('[names...]', 'only these services')
    .option('--json', 'machine-readable output')
    .action(async (names: string[], options: { json?: boolean }) => {
      const statuses = await new LocalServices().status(names);
      console.log(options.json ? JSON.stringify(statuses, null, 2) : renderStatusTable(statuses));
      if (statuses.some((s) => !s.healthy)) process.exitCode = 1;
    });

  return services;
}
