import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPatron } from '../../test/app.ts';
import type { Patron } from '../app.ts';

describe('the web admin’s files', () => {
  let patron: Patron;
  const script = `console.log(${JSON.stringify('x'.repeat(4000))});`;
  beforeAll(async () => {
    const web = mkdtempSync(join(tmpdir(), 'patron-web-'));
    mkdirSync(join(web, 'assets'));
    writeFileSync(join(web, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(join(web, 'assets', 'index-abc123.js'), script);
    writeFileSync(join(web, 'assets', 'index-abc123.js.br'), brotliCompressSync(script));
    writeFileSync(join(web, 'assets', 'index-abc123.js.gz'), gzipSync(script));
    patron = await startTestPatron({}, { webDir: web });
  });
  afterAll(() => patron.close());

  it('sends precompressed assets to browsers that take them, cached for a year; the page itself always revalidated', async () => {
    const br = await patron.http.inject({ method: 'GET', url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'br, gzip' } });
    expect([br.statusCode, br.headers['content-encoding'], br.headers['cache-control']]).toEqual([
      200,
      'br',
      'public, max-age=31536000, immutable',
    ]);
    expect(br.rawPayload.length).toBeLessThan(script.length / 10);
    const gz = await patron.http.inject({ method: 'GET', url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    const plain = await patron.http.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect([plain.headers['content-encoding'], plain.body]).toEqual([undefined, script]);
    const page = await patron.http.inject({ method: 'GET', url: '/customers/42' });
    expect([page.statusCode, page.headers['cache-control']]).toEqual([200, 'no-cache']);
  });
});
