#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigurationException } from '@ctxb/config';
import { connectorsCommand } from './commands/connectors.command';
import { deliveriesCommand } from './commands/deliveries.command';
import { demoCommand } from './commands/demo.command';
import { dlqCommand } from './commands/dlq.command';
import { engineCommand } from './commands/engine.command';
import { eventsCommand } from './commands/events.command';
import { generateCommand } from './commands/generate.command';
import { identityCommand } from './commands/identity.command';
import { backfillCommand, lakeCommand } from './commands/lake.command';
import { servicesCommand } from './commands/services.command';

/** `ctxb`: the Context Bridge command line. */
export function program(): Command {
  return new Command('ctxb')
    .description('Context Bridge: customer-behaviour context for every ERP and CRM record.')
    .showHelpAfterError()
    .addCommand(demoCommand())
    .addCommand(generateCommand())
    .addCommand(eventsCommand())
    .addCommand(identityCommand())
    .addCommand(engineCommand())
    .addCommand(connectorsCommand())
    .addCommand(deliveriesCommand())
    .addCommand(dlqCommand())
    .addCommand(lakeCommand())
    .addCommand(backfillCommand())
    .addCommand(servicesCommand());
}

program()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    if (error instanceof ConfigurationException) {
      console.error(error.message);
    } else {
      console.error(`ctxb: ${error instanceof Error ? error.message : String(error)}`);
    }
    process.exitCode = 1;
  })
  .finally(() => setImmediate(() => process.exit()));
