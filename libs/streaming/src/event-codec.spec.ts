import { exampleEvent, EVENT_CATALOGUE } from '@ctxb/events';
import { encodeEvent, readEventRecord } from './event-codec';

describe('readEventRecord', () => {
  it('gives a structured record’s event with its JSON exactly as it was read', () => {
    const event = exampleEvent('page.viewed');
    const text = JSON.stringify(event, null, 1);
    const read = readEventRecord({
      value: Buffer.from(text),
      headers: encodeEvent(event, EVENT_CATALOGUE.get(event.type)!).headers,
    });
    expect(read).toEqual({ event, json: text });
  });

  it('gives no JSON for a binary-mode record, whose value is the data alone', () => {
    const event = exampleEvent('page.viewed');
    const read = readEventRecord({
      value: Buffer.from(JSON.stringify(event.data)),
      headers: {
        ce_specversion: '1.0',
        ce_id: event.id,
        ce_source: event.source,
        ce_type: event.type,
        ce_time: event.time,
        ce_anonymousid: event.anonymousid!,
      },
    });
    expect('event' in read && read.json).toBe(undefined);
    expect('event' in read && read.event.data).toEqual(event.data);
  });
});
