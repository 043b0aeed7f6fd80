import { exampleEvent } from '@ctxb/events';
import { order12345Events, ORDER_12345 } from '@ctxb/simulation';
import { contextOptions } from './context-options';
import { journeyPath } from './journey-paths';

describe('journeyPath', () => {
  const options = contextOptions({ ownHosts: ['shop.example.com'] });

  it('is the story device: five sessions from paid search, converted', () => {
    const events = order12345Events().filter((e) => e.anonymousid === ORDER_12345.anonymousId);
    const path = journeyPath([...events].reverse(), options)!;
    expect(path.converted).toBe(true);
    expect(path.channels).toHaveLength(ORDER_12345.sessions);
    expect(path.channels[0]).toBe('paid-search');
  });

  it('is a browse without an order: not converted, and nothing without behaviour', () => {
    const view = exampleEvent('page.viewed', { anonymousid: 'anon-x' });
    expect(journeyPath([view], options)).toMatchObject({ converted: false });
    expect(journeyPath([], options)).toBeUndefined();
  });
});
