import type { Admin } from 'kafkajs';
import { type TopicsConfig } from '@ctxb/config';
import { deadLetterTopic, TOPICS } from '@ctxb/events';

export interface TopicReport {
  created: string[];
  grown: string[];
  unchanged: string[];
  /** Internal topics whose partition count differs from the configured one, left as they are. */
  kept: { topic: string; partitions: number }[];
}

const HOUR_MS = 3_600_000;

/**
 * Every topic of the catalogue and its dead-letter twin, with the settings it should have,
 * plus internal topics (the engine's journey topic) and theirs.
 */
export function desiredTopics(
  config: TopicsConfig,
  internal: readonly string[] = [],
): { topic: string; retentionMs: number }[] {
  return [...TOPICS, ...internal].flatMap((topic) => [
    { topic, retentionMs: config.retentionHours * HOUR_MS },
    { topic: deadLetterTopic(topic), retentionMs: config.deadLetterRetentionHours * HOUR_MS },
  ]);
}

/**
 * Creates missing topics and adds partitions to topics that have fewer than configured.
 * Idempotent: running it again changes nothing. Partitions are never removed (Kafka cannot)
 * and keys would move if they were.
 *
 * Internal topics are created with the configured count and never grown: the journey topic
 * places each journey on a partition by its count, and each partition's engine state is saved
 * under it. Grown, it would send a journey's next events to another partition than its state,
 * and split its contexts between two engines. They are reported in `kept` instead.
 */
export async function ensureTopics(
  admin: Admin,
  config: TopicsConfig,
  internal: readonly string[] = [],
): Promise<TopicReport> {
  const wanted = desiredTopics(config, internal);
  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter((t) => !existing.has(t.topic));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: false,
      topics: missing.map((t) => ({
        topic: t.topic,
        numPartitions: config.partitions,
        replicationFactor: config.replicationFactor,
        configEntries: [
          { name: 'retention.ms', value: String(t.retentionMs) },
          { name: 'cleanup.policy', value: 'delete' },
        ],
      })),
    });
  }
  await waitUntilServed(
    admin,
    wanted.map((t) => t.topic),
  );
  const present = wanted.filter((t) => existing.has(t.topic)).map((t) => t.topic);
  const metadata =
    present.length > 0 ? await admin.fetchTopicMetadata({ topics: present }) : { topics: [] };
  const pinned = new Set(internal);
  const small = metadata.topics
    .filter((t) => !pinned.has(t.name) && t.partitions.length < config.partitions)
    .map((t) => t.name);
  const kept = metadata.topics
    .filter((t) => pinned.has(t.name) && t.partitions.length !== config.partitions)
    .map((t) => ({ topic: t.name, partitions: t.partitions.length }));
  if (small.length > 0) {
    await admin.createPartitions({
      topicPartitions: small.map((topic) => ({ topic, count: config.partitions })),
    });
  }
  return {
    created: missing.map((t) => t.topic),
    grown: small,
    unchanged: present.filter((t) => !small.includes(t)),
    kept,
  };
}

/**
 * Waits until the broker serves every partition of the topics (metadata with a leader).
 * A broker that has just started can take seconds after creation, longer than kafkajs's
 * own waitForLeaders retries, and answers "does not host this topic-partition" meanwhile.
 */
export async function waitUntilServed(
  admin: Admin,
  topics: string[],
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics });
      const served = metadata.topics.every(
        (t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0),
      );
      if (served && metadata.topics.length === topics.length) {
        for (const topic of topics) await admin.fetchTopicOffsets(topic);
        return;
      }
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline)
      throw new Error(`topics not served within ${timeoutMs} ms: ${topics.join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
