import fc from 'fast-check';
import { contextReferenceId, isContextReferenceId } from './context-reference';

describe('context references', () => {
  it('are the same for the same order, and always have the reference shape', () => {
    expect(contextReferenceId('12345')).toBe(contextReferenceId('12345'));
    expect(contextReferenceId('12345')).not.toBe(contextReferenceId('12346'));
    fc.assert(
      fc.property(fc.string(), (orderId) => {
        const reference = contextReferenceId(orderId);
        expect(reference).toHaveLength(30);
        expect(isContextReferenceId(reference)).toBe(true);
      }),
    );
  });

  it('tells other text from a reference', () => {
    for (const text of [
      '',
      'ctx_',
      'ctx_ABCDEFGHIJKLMNOPQRSTUVWXYZ',
      `ctx_${'a'.repeat(27)}`,
      "ctx_aaaaaaaaaaaaaaaaaaaaaaaaa'",
    ])
      expect(isContextReferenceId(text)).toBe(false);
  });
});
