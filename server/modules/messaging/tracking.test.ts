import { describe, expect, it } from 'vitest';
import { type Keyring, generateKey } from '../../platform/crypto.ts';
import { readTrackingToken, trackTextLinks } from './tracking.ts';

const keyring: Keyring = { activeKeyId: 1, dataKeys: new Map([[1, generateKey()]]), indexKey: generateKey() };
const o = { keyring, messageId: 77, publicUrl: 'https://crm.example.com' };

describe('SMS links', () => {
  it('shortens each link of the text and the template parameters to a signed tracked link, sentence punctuation left outside', () => {
    const t = trackTextLinks(
      '【店】双十二 https://shop.example.com/sale?id=1&from=sms。再看 https://shop.example.com/new, 或 https://shop.example.com/sale?id=1&from=sms 拒收请回复R',
      { url: 'https://shop.example.com/new' },
      o,
    );
    expect(t.links).toEqual(['https://shop.example.com/sale?id=1&from=sms', 'https://shop.example.com/new']);
    const short = [...t.text.matchAll(/https:\/\/crm\.example\.com\/l\/([\w.-]+)/g)].map((m) => m[1]);
    expect(short).toHaveLength(3);
    expect(short.map((token) => readTrackingToken(keyring, 'l', token)?.link)).toEqual([0, 1, 0]);
    expect(t.text).toMatch(/\/l\/[\w.-]+。再看 /);
    expect(t.text).toMatch(/\/l\/[\w.-]+, 或 /);
    expect(t.params?.url).toBe(`https://crm.example.com/l/${short[1]}`);
    // A forged token (another message's id under this signature) is not read.
    expect(readTrackingToken(keyring, 'l', short[0].replace(/^[^-.]+/, '2'))).toBeNull();
  });

  it('leaves text without links as it is', () => {
    expect(trackTextLinks('您的订单已发货', null, o)).toEqual({ text: '您的订单已发货', params: null, links: [] });
  });
});
