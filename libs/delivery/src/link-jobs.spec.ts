import { linkJobId } from './link-jobs';

describe('linkJobId', () => {
  it('names reference, version and target without colons', () => {
    expect(linkJobId('ctx_abc', 3, 'gl')).toBe('ctx_abc.v3.gl');
  });
});
