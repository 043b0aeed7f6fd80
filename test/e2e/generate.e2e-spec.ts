import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_CATALOGUE, TOPICS, type CloudEvent } from '@ctxb/events';
import { createKafka } from '@ctxb/streaming';
import { testConfig } from '../support/test-config';
import { TopicTail } from '../support/topic-tail';

const ROOT = join(__dirname, '..', '..');
const ctxb = (...args: string[]) =>
  spawnSync('node', [join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js'), ...args], {
    encoding: 'utf8',
    cwd: ROOT,
    timeout: 120_000,
  });

describe('ctxb generate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctxb-generate-'));

  it('writes byte-identical NDJSON for the same seed', () => {
    const files = ['a', 'b', 'c'].map((name) => join(dir, `${name}.ndjson`));
    expect(
      ctxb('generate', '--seed', '11', '--journeys', '200', '--days', '10', '--out', files[0])
        .status,
    ).toBe(0);
    expect(
      ctxb('generate', '--seed', '11', '--journeys', '200', '--days', '10', '--out', files[1])
        .status,
    ).toBe(0);
    expect(
      ctxb('generate', '--seed', '12', '--journeys', '200', '--days', '10', '--out', files[2])
        .status,
    ).toBe(0);
    const [a, b, c] = files.map((f) => readFileSync(f, 'utf8'));
    expect(a.length).toBeGreaterThan(1000);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    const lines = a
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as CloudEvent);
    expect(lines.some((e) => e.type === 'order.placed' && e.data.orderId === '12345')).toBe(true);
  });

  it('writes only the order-12345 story when asked', () => {
    const result = ctxb('generate', '--scenario', 'order-12345', '--out', '-');
    expect(result.status).toBe(0);
    const events = result.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as CloudEvent);
    expect(new Set(events.map((e) => e.correlationid ?? e.anonymousid))).toEqual(
      new Set(['anon-12345', '12345']),
    );
  });

  it('publishes to the topics with the catalogue keys', async () => {
    const config = testConfig();
    const kafka = createKafka(config.kafka, 'test');
    const tail = await TopicTail.start(kafka, [...TOPICS]);
    try {
      const seed = String(1000 + Math.floor(Math.random() * 1_000_000));
      const file = join(dir, 'kafka.ndjson');
      const traffic = ['generate', '--seed', seed, '--journeys', '30', '--days', '2', '--no-story'];
      expect(ctxb(...traffic, '--out', file).status).toBe(0);
      const expected = readFileSync(file, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as CloudEvent);
      const run = ctxb(...traffic, '--kafka');
      expect(run.status).toBe(0);
      const wanted = new Map(expected.map((e) => [`${e.id}|${e.time}`, e]));
      const arrived = await tail.waitFor((m) => {
        const e = m.event;
        return e !== undefined && wanted.has(`${e.id}|${e.time}`);
      }, expected.length);
      expect(arrived).toHaveLength(expected.length);
      for (const message of arrived) {
        const event = message.event!;
        const entry = EVENT_CATALOGUE.get(event.type)!;
        expect([message.topic, message.key]).toEqual([entry.topic, entry.key(event)]);
      }
    } finally {
      await tail.stop();
    }
  });

  it('refuses to run without exactly one output', () => {
    const result = ctxb('generate', '--journeys', '1');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/exactly one of --out <file> and --kafka/);
  });
});
