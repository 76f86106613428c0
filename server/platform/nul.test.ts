import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { nulPath, parseJsonWithoutNul, replaceNulBytes } from './nul.ts';

describe('U+0000, which PostgreSQL text cannot hold', () => {
  it('finds the path of the first string or key holding it', () => {
    expect(nulPath({ a: [1, 'ok', { b: 'x\u0000' }] })).toEqual(['a', 2, 'b']);
    expect(nulPath({ 'k\u0000': 1 })).toEqual(['k\u0000']);
    expect(nulPath({ a: 'fine', n: null, d: 3 })).toBeNull();
  });

  it('parses JSON with it replaced in keys and values, and leaves other text alone', () => {
    expect(parseJsonWithoutNul('{"a\\u0000":["b\\u0000c"],"n":1}')).toEqual({ 'a\uFFFD': ['b\uFFFDc'], n: 1 });
    expect(parseJsonWithoutNul('{"a":"\\\\u0000"}')).toEqual({ a: '\\u0000' });
  });

  it('treats an unpaired surrogate (which PostgreSQL cannot store either) the same way, and leaves pairs alone', () => {
    expect(nulPath({ name: 'a\ud800b' })).toEqual(['name']);
    expect(nulPath({ name: 'x\udc00' })).toEqual(['name']);
    expect(nulPath({ name: 'ok \u{1F600}' })).toBeNull();
    expect(parseJsonWithoutNul('{"n":"\\ud800\\ud83d\\ude00x"}')).toEqual({ n: '\uFFFD\u{1F600}x' });
  });

  it('replaces NUL bytes in a stream, across and within chunks', async () => {
    const chunks: Buffer[] = [];
    for await (const c of Readable.from([Buffer.from([0x61, 0, 0x62, 0]), Buffer.from([0, 0x63])]).pipe(replaceNulBytes()))
      chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString('utf8')).toBe('a\uFFFDb\uFFFD\uFFFDc');
  });
});
