import type { Message, Producer, ProducerRecord } from 'kafkajs';
import { exampleEvent } from '@ctxb/events';
import { journeyEvents } from '@ctxb/streaming';
import type { JourneyDirectory } from './journey-directory';
import { JourneyRouter, type SourceProgress } from './journey-router';

const MINUTE = 60_000;
const options = { placeholderIds: [], latenessMs: 5 * MINUTE };

/** What the router wrote, in order; behaviour events only, so the directory is never asked. */
function recording() {
  const sent: Message[] = [];
  const producer = {
    send: async (record: ProducerRecord) => {
      sent.push(...record.messages);
      return [];
    },
  } as unknown as Producer;
  const directory = { releaseParked: async () => undefined } as unknown as JourneyDirectory;
  return { sent, producer, directory };
}

const view = (id: string, time: string) =>
  ({ event: exampleEvent('page.viewed', { id, anonymousid: `a-${id}`, time }) }) as const;

/** The progress reports among the messages: `source idle|busy`, in order. */
const reports = (messages: Message[]) =>
  messages
    .filter((m) => m.headers)
    .map((m) => JSON.parse(String(m.value)) as { source: string; idle: boolean })
    .map((p) => `${p.source} ${p.idle ? 'idle' : 'busy'}`);

describe('JourneyRouter: progress of idle sources', () => {
  const journeys: SourceProgress = {
    topic: 'journeys',
    partition: 0,
    position: 10,
    caughtUp: true,
  };
  const orders: SourceProgress = { topic: 'orders', partition: 0, position: 4, caughtUp: true };

  it('reports an idle source busy again, before a batch moves time past it, when Kafka holds more of it', async () => {
    const { sent, producer, directory } = recording();
    const asked: string[][] = [];
    const router = new JourneyRouter(directory, producer, 'j', options, async (sources) => {
      asked.push(sources.map((s) => `${s.topic}:${s.partition}`));
      return new Map([['journeys:0', 25]]);
    });
    await router.register([journeys, orders]);
    sent.length = 0;
    await router.route([view('o1', '2093-05-20T00:00:00Z')], { ...orders, position: 5 });
    // Every source reported idle is looked at (the batch's own among them, for others).
    expect(asked).toEqual([['journeys:0', 'orders:0']]);
    // Busy first, then the batch's event, then the batch's own source.
    expect(reports(sent)).toEqual(['journeys:0 busy', 'orders:0 idle']);
    expect(sent.findIndex((m) => !m.headers)).toBe(1);

    // Once told busy, it stays so until its own batch says otherwise: no second look.
    sent.length = 0;
    await router.route([view('o2', '2093-05-21T00:00:00Z')], { ...orders, position: 6 });
    expect(asked).toHaveLength(1);
    expect(reports(sent)).toEqual(['orders:0 idle']);
  });

  it('leaves a source idle when Kafka has nothing beyond its position', async () => {
    const { sent, producer, directory } = recording();
    const router = new JourneyRouter(
      directory,
      producer,
      'j',
      options,
      async () => new Map([['journeys:0', 10]]),
    );
    await router.register([journeys, orders]);
    sent.length = 0;
    await router.route([view('o1', '2093-05-20T00:00:00Z')], { ...orders, position: 5 });
    expect(reports(sent)).toEqual(['orders:0 idle']);
  });

  it('does not look while the batch stays within the lateness bound of the idle source', async () => {
    const { producer, directory } = recording();
    let looks = 0;
    const router = new JourneyRouter(directory, producer, 'j', options, async () => {
      looks++;
      return new Map([['journeys:0', 99]]);
    });
    await router.register([journeys, orders]);
    await router.route([view('j1', '2093-05-20T00:00:00Z')], { ...journeys, position: 11 });
    // The orders source has told no time yet: anything is past it.
    expect(looks).toBe(1);
    await router.route([view('o1', '2093-05-20T00:04:00Z')], { ...orders, position: 5 });
    expect(looks).toBe(1);
    await router.route([view('o2', '2093-05-20T00:06:00Z')], { ...orders, position: 6 });
    expect(looks).toBe(2);
  });

  it('looks at a source found with nothing unread again only once time moves the lateness bound past that look', async () => {
    const { sent, producer, directory } = recording();
    const looked: string[] = [];
    const router = new JourneyRouter(directory, producer, 'j', options, async () => {
      looked.push('look');
      return new Map([['journeys:0', 10]]);
    });
    // The journeys source stays quiet for good; the orders source brings a batch a minute.
    await router.register([journeys, orders]);
    const times = ['00:00', '00:01', '00:04', '00:05', '00:06', '00:10', '00:12'];
    const looks: string[] = [];
    for (const [i, time] of times.entries()) {
      const before = looked.length;
      await router.route([view(`o${i}`, `2093-05-20T${time}:00Z`)], {
        ...orders,
        position: 5 + i,
      });
      if (looked.length > before) looks.push(time);
    }
    // 00:00 finds it idle through 00:00, 00:06 through 00:06: each look lasts 5 minutes.
    expect(looks).toEqual(['00:00', '00:06', '00:12']);
    expect(reports(sent).filter((r) => r.startsWith('journeys'))).toEqual(['journeys:0 idle']);

    // A new assignment forgets what the looks found.
    router.newAssignment();
    await router.register([journeys, { ...orders, position: 12 }]);
    await router.route([view('o9', '2093-05-20T00:13:00Z')], { ...orders, position: 13 });
    expect(looked).toHaveLength(4);
  });

  it('lets batches routed at once share one look under way, and looks again once it is done', async () => {
    const { producer, directory } = recording();
    const looks: string[][] = [];
    let answer: () => void = () => undefined;
    const router = new JourneyRouter(directory, producer, 'j', options, async (sources) => {
      looks.push(sources.map((s) => `${s.topic}:${s.partition}`).sort());
      await new Promise<void>((resolve) => (answer = resolve));
      return new Map([['journeys:0', 10]]);
    });
    const clicks: SourceProgress = { topic: 'clicks', partition: 0, position: 3, caughtUp: true };
    await router.register([journeys, orders, clicks]);
    // Three batches of one fetch: each moves time past the idle sources.
    const routes = [
      router.route([view('o1', '2093-05-20T00:00:00Z')], { ...orders, position: 5 }),
      router.route([view('j1', '2093-05-20T00:00:00Z')], { ...journeys, position: 11 }),
      router.route([view('c1', '2093-05-20T00:00:00Z')], { ...clicks, position: 4 }),
    ];
    await new Promise((r) => setImmediate(r));
    expect(looks).toEqual([['clicks:0', 'journeys:0', 'orders:0']]);
    answer();
    await Promise.all(routes);
    // Begun after that look was done: it looks for itself.
    const later = router.route([view('o2', '2093-05-22T00:00:00Z')], { ...orders, position: 6 });
    await new Promise((r) => setImmediate(r));
    answer();
    await later;
    expect(looks).toHaveLength(2);
  });

  it('writes in the order the writes were decided, even when the first is slow to go out', async () => {
    const sent: string[] = [];
    let first = true;
    const producer = {
      send: async (record: ProducerRecord) => {
        if (first) {
          first = false;
          await new Promise((r) => setTimeout(r, 50));
        }
        for (const m of record.messages.filter((m) => !m.headers))
          sent.push(
            ...journeyEvents({ key: null, value: m.value as Buffer }).map(({ key }) => String(key)),
          );
        return [];
      },
    } as unknown as Producer;
    const directory = { releaseParked: async () => undefined } as unknown as JourneyDirectory;
    const router = new JourneyRouter(directory, producer, 'j', options);
    await Promise.all([
      router.route([view('a', '2093-05-20T00:00:00Z')], { ...orders, position: 5 }),
      router.route([view('b', '2093-05-20T00:01:00Z')], { ...journeys, position: 11 }),
    ]);
    expect(sent).toEqual(['d:a-a', 'd:a-b']);
  });

  it("never lets a source's own idle report overtake a busy report decided about it", async () => {
    // Both batches look at Kafka at once (each moves time past the other's source). However
    // the two continue after the look, each source's own idle report must be the last word
    // about it on the journey topic: a busy report landing after it held the clocks for good.
    const { sent, producer, directory } = recording();
    let answer: (ends: Map<string, number>) => void = () => undefined;
    const looked = new Promise<Map<string, number>>((resolve) => (answer = resolve));
    const router = new JourneyRouter(directory, producer, 'j', options, () => looked);
    await router.register([journeys, orders]);
    sent.length = 0;
    const routes = [
      router.route([view('j1', '2093-05-20T00:00:00Z')], { ...journeys, position: 11 }),
      router.route([view('o1', '2093-05-21T00:00:00Z')], { ...orders, position: 6 }),
    ];
    answer(
      new Map([
        ['journeys:0', 11],
        ['orders:0', 6],
      ]),
    );
    await Promise.all(routes);
    const aboutOrders = reports(sent).filter((r) => r.startsWith('orders:0'));
    expect(aboutOrders[aboutOrders.length - 1]).toBe('orders:0 idle');
    const aboutJourneys = reports(sent).filter((r) => r.startsWith('journeys:0'));
    expect(aboutJourneys[aboutJourneys.length - 1]).toBe('journeys:0 idle');
  });
});
