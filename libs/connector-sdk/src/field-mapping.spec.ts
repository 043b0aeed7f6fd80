import fc from 'fast-check';
import { DeliveryFailure } from './delivery-failure';
import {
  referenceFields,
  applyFieldMapping,
  contextFields,
  mappingPaths,
  decimalText,
  readFieldMapping,
  type FieldMapping,
} from './field-mapping';

const source = {
  contextReferenceId: 'ctx_01hq3v5x7y9z1b3d5f7h9k1m3n',
  version: 4,
  order: { orderId: '12345', total: '249.995', placedAt: '2026-03-14T16:05:09.123Z' },
  journey: {
    firstTouch: { channel: 'paid-search', campaign: 'spring-sale' },
    touchpoints: [{ channel: 'paid-search' }, { channel: 'email' }],
  },
  signals: { discount: null, productsCompared: 7, slow: true },
};

function mapping(input: unknown): FieldMapping {
  const read = readFieldMapping(input, 'columns');
  if ('problems' in read) throw new Error(JSON.stringify(read.problems));
  return read.mapping;
}

describe('field mapping: context fields into target fields', () => {
  it('follows paths through objects and lists, and writes constants', () => {
    const out = applyFieldMapping(
      mapping({
        ref: { from: 'contextReferenceId' },
        second: { from: 'journey.touchpoints.1.channel' },
        touches: { from: 'journey.touchpoints.length' },
        compared: { from: 'signals.productsCompared' },
        slow: { from: 'signals.slow' },
        origin: { value: 'CTXB' },
      }),
      source,
    );
    expect(out).toEqual({
      ref: source.contextReferenceId,
      second: 'email',
      touches: 2,
      compared: 7,
      slow: 1,
      origin: 'CTXB',
    });
  });

  it('gives null for a path that leads nowhere, and default fills it', () => {
    const out = applyFieldMapping(
      mapping({
        gone: { from: 'journey.lastTouch.channel' },
        third: { from: 'journey.touchpoints.2.channel' },
        code: { from: 'signals.discount', transform: [{ default: 'NONE' }] },
        proto: { from: 'order.toString' },
      }),
      source,
    );
    expect(out).toEqual({ gone: null, third: null, code: 'NONE', proto: null });
  });

  it('applies the steps in order: lookup, upper, truncate', () => {
    const out = applyFieldMapping(
      mapping({
        channel: {
          from: 'journey.firstTouch.channel',
          transform: [
            { lookup: { 'paid-search': 'sem-google' }, otherwise: 'other' },
            { upper: true },
            { truncate: 6 },
          ],
        },
        unlisted: { from: 'journey.firstTouch.campaign', transform: [{ lookup: { x: 'y' } }] },
        fallback: {
          from: 'journey.touchpoints.1.channel',
          transform: [{ lookup: {}, otherwise: 'OTHER' }],
        },
      }),
      source,
    );
    expect(out).toEqual({ channel: 'SEM-GO', unlisted: 'spring-sale', fallback: 'OTHER' });
  });

  it('pads with zeros in front, so numbers in text columns sort as numbers', () => {
    const out = applyFieldMapping(
      mapping({
        sequence: { from: 'version', transform: [{ pad: 10 }] },
        long: { from: 'version', transform: [{ pad: 1 }] },
      }),
      { version: 7 },
    );
    expect(out).toEqual({ sequence: '0000000007', long: '7' });
    expect(['0000000010', '0000000009'].sort()).toEqual(['0000000009', '0000000010']);
  });

  it('truncates by characters, never splitting one', () => {
    const out = applyFieldMapping(
      mapping({ name: { from: 'name', transform: [{ truncate: 3 }] } }),
      { name: 'a😀bc' },
    );
    expect(out.name).toBe('a😀b');
  });

  it('formats times in UTC and amounts as exact decimals', () => {
    const out = applyFieldMapping(
      mapping({
        day: { from: 'order.placedAt', transform: [{ date: 'date' }] },
        at: { from: 'order.placedAt', transform: [{ date: 'datetime' }] },
        ms: { from: 'order.placedAt', transform: [{ date: 'epoch-ms' }] },
        total: { from: 'order.total', transform: [{ decimal: 2 }] },
        whole: { from: 'order.total', transform: [{ decimal: 0 }] },
      }),
      source,
    );
    expect(out).toEqual({
      day: '2026-03-14',
      at: '2026-03-14 16:05:09',
      ms: Date.parse(source.order.placedAt),
      total: '250.00',
      whole: '250',
    });
  });

  it('rounds decimals half away from zero on the text', () => {
    expect(decimalText('0.125', 2)).toBe('0.13');
    expect(decimalText('0.1249999999', 2)).toBe('0.12');
    expect(decimalText('-0.125', 2)).toBe('-0.13');
    expect(decimalText('-0.001', 2)).toBe('0.00');
    expect(decimalText('.5', 0)).toBe('1');
    expect(decimalText('7.', 3)).toBe('7.000');
    expect(decimalText(0.1 + 0.2, 2)).toBe('0.30');
    expect(decimalText('12345678901234567890.5', 0)).toBe('12345678901234567891');
  });

  it('rounds like exact integer arithmetic for any amount in thousandths (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (thousandths) => {
        const magnitude = thousandths < 0n ? -thousandths : thousandths;
        const text = `${thousandths < 0n ? '-' : ''}${magnitude / 1000n}.${(magnitude % 1000n).toString().padStart(3, '0')}`;
        const cents = (magnitude + 5n) / 10n;
        const expected = `${thousandths < 0n && cents !== 0n ? '-' : ''}${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;
        expect(decimalText(text, 2)).toBe(expected);
      }),
    );
  });

  it('fails permanently, naming the field, on a value a step cannot take', () => {
    const failure = (spec: unknown, from: unknown) => {
      try {
        applyFieldMapping(mapping({ f: spec }), from);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    for (const [spec, from] of [
      [{ from: 'x', transform: [{ decimal: 2 }] }, { x: 'twelve' }],
      [{ from: 'x', transform: [{ decimal: 2 }] }, { x: 1e21 }],
      [{ from: 'x', transform: [{ date: 'date' }] }, { x: 'not a time' }],
      [{ from: 'x' }, { x: { nested: true } }],
      [{ from: 'x' }, { x: [1, 2] }],
    ] as const) {
      const error = failure(spec, from);
      expect(error).toBeInstanceOf(DeliveryFailure);
      expect((error as DeliveryFailure).kind).toBe('mapping');
      expect((error as DeliveryFailure).retryable).toBe(false);
      expect((error as DeliveryFailure).message).toMatch(/^f: /);
    }
  });
});

describe('field mapping: reading it from a profile', () => {
  const problems = (input: unknown) => {
    const read = readFieldMapping(input, 'om.columns');
    return 'problems' in read ? read.problems : [];
  };

  it('names the key of every problem at once', () => {
    const found = problems({
      a: { from: 'journey..channel' },
      b: { from: 'order.__proto__' },
      c: { from: 'x', transform: [{ truncate: 0 }, { decimal: 40 }, { date: 'week' }] },
      d: { value: 'k', from: 'x' },
      e: 'order.orderId',
      f: { from: 'x', transform: [{ lookup: { a: 1 } }, { rot13: true }, { upper: 'yes' }] },
      g: { from: 'x', extra: 1 },
    });
    expect(found.map((p) => p.key)).toEqual([
      'om.columns.a.from',
      'om.columns.b.from',
      'om.columns.c.transform[0].truncate',
      'om.columns.c.transform[1].decimal',
      'om.columns.c.transform[2].date',
      'om.columns.d',
      'om.columns.e',
      'om.columns.f.transform[0].lookup',
      'om.columns.f.transform[1]',
      'om.columns.f.transform[2].upper',
      'om.columns.g',
    ]);
    const message = (key: string) => found.find((p) => p.key === key)?.message;
    expect(message('om.columns.a.from')).toMatch(/path/);
    expect(message('om.columns.c.transform[2].date')).toMatch(/iso, date, datetime, epoch-ms/);
    expect(message('om.columns.d')).toMatch(/constant/);
    expect(message('om.columns.f.transform[1]')).toBe('unknown step "rot13"');
    expect(message('om.columns.f.transform[2].upper')).toBe('must be true');
    expect(message('om.columns.g')).toBe('unknown keys: extra');
  });

  it('wants at least one field', () => {
    expect(problems({}).map((p) => p.key)).toEqual(['om.columns']);
    expect(problems(undefined)).toHaveLength(1);
  });
});

describe('field mapping: the reference fields', () => {
  it('keeps the fields mapped from the reference, its version and panel link, and no other', () => {
    expect(
      referenceFields({
        ref: { from: 'contextReferenceId', transform: [{ upper: true }] },
        v: { from: 'version' },
        link: { from: 'panelUrl' },
        channel: { from: 'journey.firstTouch.channel' },
        versions: { from: 'version.length' },
        system: { value: 'CTXB' },
      }),
    ).toEqual({
      ref: { from: 'contextReferenceId', transform: [{ upper: true }] },
      v: { from: 'version' },
      link: { from: 'panelUrl' },
    });
    expect(referenceFields({ channel: { from: 'journey.firstTouch.channel' } })).toEqual({});
  });
});

describe('field mapping: the fields a link job carries', () => {
  const mapped = mapping({
    channel: { from: 'journey.firstTouch.channel', transform: [{ upper: true }] },
    touchpoints: { from: 'journey.touchpoints.length' },
    second: { from: 'journey.touchpoints.1.channel' },
    total: { from: 'order.total', transform: [{ decimal: 2 }] },
    discount: { from: 'signals.discount', transform: [{ default: 'none' }] },
    absent: { from: 'journey.lastTouch.channel' },
    again: { from: 'order.total' },
    system: { value: 'CTXB' },
  });

  it('lists the paths a mapping reads, each once, constants left out', () => {
    expect(mappingPaths(mapped)).toEqual([
      'journey.firstTouch.channel',
      'journey.touchpoints.length',
      'journey.touchpoints.1.channel',
      'order.total',
      'signals.discount',
      'journey.lastTouch.channel',
    ]);
  });

  it('copies the value at each path under the whole path, null where the record has none', () => {
    expect(contextFields(source, mappingPaths(mapped))).toEqual({
      'journey.firstTouch.channel': 'paid-search',
      'journey.touchpoints.length': 2,
      'journey.touchpoints.1.channel': 'email',
      'order.total': '249.995',
      'signals.discount': null,
      'journey.lastTouch.channel': null,
    });
  });

  it('maps the fields exactly as the record they were copied from', () => {
    const fields = contextFields(source, mappingPaths(mapped));
    expect(applyFieldMapping(mapped, fields)).toEqual(applyFieldMapping(mapped, source));
    expect(applyFieldMapping(mapped, fields)).toMatchObject({
      channel: 'PAID-SEARCH',
      second: 'email',
    });
  });

  it('keeps a list or an object whole, so a mapping step refuses it as it would the record', () => {
    const lists = mapping({ journey: { from: 'journey.touchpoints' } });
    const fields = contextFields(source, mappingPaths(lists));
    expect(fields['journey.touchpoints']).toEqual(source.journey.touchpoints);
    expect(() => applyFieldMapping(lists, fields)).toThrow(/journey\.touchpoints is a list/);
  });

  it('gives the same values from fields as from the record, for any mapping of its paths', () => {
    const paths = fc.constantFrom(
      'contextReferenceId',
      'version',
      'order.orderId',
      'order.total',
      'journey.firstTouch.channel',
      'journey.touchpoints.length',
      'journey.touchpoints.0.channel',
      'journey.touchpoints.5.channel',
      'signals.productsCompared',
      'signals.slow',
      'signals.discount',
      'nowhere.at.all',
    );
    fc.assert(
      fc.property(fc.uniqueArray(paths, { minLength: 1 }), (chosen) => {
        const m = Object.fromEntries(chosen.map((from, i) => [`f${i}`, { from }]));
        const fields = contextFields(source, mappingPaths(m));
        expect(applyFieldMapping(m, fields)).toEqual(applyFieldMapping(m, source));
      }),
    );
  });
});
