import { describe, expect, it } from 'vitest';
import { checkMessage } from './messages.ts';

const reasons = (input: unknown) => {
  const checked = checkMessage(input);
  return 'reasons' in checked ? checked.reasons : [];
};

describe('checkMessage', () => {
  it('keeps the declared fields of each type, ids as strings, nulls as null, and drops the rest', () => {
    const kept = {
      type: 'track',
      anonymousId: null,
      event: 'Order Completed',
      properties: { total: 10, nested: { a: [1] } },
      context: { ip: '127.0.0.1' },
      messageId: 'm-1',
      timestamp: '2026-12-01T00:00:00Z',
    };
    expect(checkMessage({ ...kept, userId: 42, unknown: 'dropped', traits: { email: 'a@example.com' } })).toEqual({
      message: { ...kept, userId: '42' },
    });
    expect(checkMessage({ type: 'identify', anonymousId: 'a-1', traits: { name: '王芳' } })).toEqual({
      message: { type: 'identify', anonymousId: 'a-1', traits: { name: '王芳' } },
    });
    expect(checkMessage({ type: 'page', userId: 'u', name: 'Home', category: 'Docs', properties: {} })).toEqual({
      message: { type: 'page', userId: 'u', name: 'Home', category: 'Docs', properties: {} },
    });
    expect(checkMessage({ type: 'screen', userId: 'u' })).toEqual({ message: { type: 'screen', userId: 'u' } });
    expect(checkMessage({ type: 'group', userId: 'u', groupId: 7, traits: { plan: 'pro' } })).toEqual({
      message: { type: 'group', userId: 'u', groupId: '7', traits: { plan: 'pro' } },
    });
  });

  it('takes an alias by its previous id alone, and any other message only with a user or anonymous id', () => {
    expect(checkMessage({ type: 'alias', previousId: 'anon-1' })).toEqual({ message: { type: 'alias', previousId: 'anon-1' } });
    expect(reasons({ type: 'track', event: 'Viewed' })).toEqual(['message: userId or anonymousId is required']);
    expect(reasons({ type: 'track', event: 'Viewed', userId: '', anonymousId: null })).toEqual([
      'userId: must be a string or number of 1 to 200 characters',
    ]);
  });

  it('gives every reason a message is rejected', () => {
    expect(reasons('track')).toEqual(['message: must be a JSON object']);
    expect(reasons([{ type: 'track' }])).toEqual(['message: must be a JSON object']);
    expect(reasons({ type: 'purchase', userId: 'u' })).toEqual(['type: must be one of identify, track, page, screen, group, alias']);
    expect(reasons({ type: 'toString', userId: 'u' })).toEqual(['type: must be one of identify, track, page, screen, group, alias']);
    expect(reasons({ userId: 'u' })).toEqual(['type: must be one of identify, track, page, screen, group, alias']);
    expect(reasons({ type: 'track', userId: 'u' })).toEqual(['event: is required, a string of 1 to 200 characters']);
    expect(reasons({ type: 'track', userId: 'u', event: 'x'.repeat(201), properties: [1], messageId: 5 })).toEqual([
      'messageId: must be a string of at most 100 characters',
      'event: must be a string of 1 to 200 characters',
      'properties: must be a JSON object',
    ]);
    expect(reasons({ type: 'identify', userId: { id: 1 }, traits: 'vip' })).toEqual([
      'userId: must be a string or number of 1 to 200 characters',
      'traits: must be a JSON object',
    ]);
    expect(reasons({ type: 'alias', userId: 'u' })).toEqual(['previousId: is required, a string or number of 1 to 200 characters']);
    expect(reasons({ type: 'page', userId: 'u', name: 3, timestamp: 1733000000 })).toEqual([
      'timestamp: must be a string',
      'name: must be a string of at most 200 characters',
    ]);
  });
});
