import { order12345Records } from '@ctxb/simulation';
import { jobOrderId, linkJobData, linkJobId } from './link-jobs';
import { linkRoute } from './link-routes';

describe('linkJobId', () => {
  it('names reference, version and target without colons', () => {
    expect(linkJobId('ctx_abc', 3, 'gl')).toBe('ctx_abc.v3.gl');
  });
});

describe('linkJobData', () => {
  const record = order12345Records().at(-1)!;

  it('carries the fields its route reads, and the order, not the record', () => {
    const route = linkRoute('links', 'sample-erp', 'om', ['order.orderId', 'sessions.count']);
    const data = linkJobData(route, record);
    expect(data).toEqual({
      contextReferenceId: record.contextReferenceId,
      version: record.version,
      connector: 'sample-erp',
      target: 'om',
      orderId: '12345',
      fields: { 'order.orderId': '12345', 'sessions.count': 5 },
    });
    expect(jobOrderId(data)).toBe('12345');
  });

  it('carries the whole record on a route that names no reads', () => {
    const data = linkJobData(linkRoute('links', 'sample-erp', 'om'), record);
    expect(data.record).toBe(record);
    expect(data.fields).toBeUndefined();
  });

  it('finds the order of a job queued before jobs named it', () => {
    const older = { ...linkJobData(linkRoute('links', 'sample-erp', 'om'), record) };
    delete older.orderId;
    expect(jobOrderId(older)).toBe('12345');
  });
});
