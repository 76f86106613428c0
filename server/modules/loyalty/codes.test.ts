import { describe, expect, it } from 'vitest';
import { CODE_ALPHABET, randomCodes } from './codes.ts';

describe('coupon codes', () => {
  it('are made of unambiguous characters only, at the asked length after the prefix', () => {
    const codes = randomCodes(2_000, 10, 'VIP');
    for (const c of codes) {
      expect(c).toMatch(/^VIP[A-Z2-9]{10}$/);
      expect([...c.slice(3)].every((ch) => CODE_ALPHABET.includes(ch))).toBe(true);
      expect(c.slice(3)).not.toMatch(/[01OIL]/);
    }
  });

  it('use every character about equally (no modulo bias) and do not repeat at 100,000', () => {
    const codes = randomCodes(100_000, 10);
    expect(new Set(codes).size).toBe(codes.length);
    const counts = new Map<string, number>();
    for (const c of codes) for (const ch of c) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(CODE_ALPHABET.length);
    const expected = (100_000 * 10) / CODE_ALPHABET.length;
    for (const n of counts.values()) expect(Math.abs(n - expected) / expected).toBeLessThan(0.03);
  });
});
