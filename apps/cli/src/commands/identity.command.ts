import { Command } from 'commander';
import { loadConfig } from '@ctxb/config';
import { isPlaceholderId } from '@ctxb/context';
import { createKafka, journeyPartitionCount, orderedProducer, sendUnmerge } from '@ctxb/streaming';

export function identityCommand(): Command {
  const identity = new Command('identity').description(
    'identity stitching: which anonymous ids belong to which customer',
  );
  identity
    .command('unmerge')
    .description(
      'separate an anonymous id from a customer for good (a wrong merge): the engine re-emits every affected context as a new version and refuses the link from then on',
    )
    .requiredOption('--anonymous-id <id>', 'the anonymous (device) id')
    .requiredOption('--customer-id <id>', 'the customer id')
    .action(async (options: { anonymousId: string; customerId: string }) => {
      const config = loadConfig();
      for (const [flag, id] of [
        ['--anonymous-id', options.anonymousId],
        ['--customer-id', options.customerId],
      ] as const)
        if (isPlaceholderId(id, config.context))
          throw new Error(
            `${flag} "${id}" is a placeholder id (context.placeholderIds); it never links anything`,
          );
      const kafka = createKafka(config.kafka, 'cli');
      const topic = config.engine.journeyTopic;
      const partitions = await journeyPartitionCount(kafka, topic);
      const producer = orderedProducer(kafka);
      await producer.connect();
      try {
        await sendUnmerge(producer, topic, partitions, options.anonymousId, options.customerId);
      } finally {
        await producer.disconnect();
      }
      console.log(
        `unmerge of ${options.anonymousId} from ${options.customerId} sent to ${partitions} engine partition(s) of ${topic}; affected contexts get new versions`,
      );
    });
  return identity;
}
