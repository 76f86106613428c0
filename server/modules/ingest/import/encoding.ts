import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import iconv from 'iconv-lite';

/** The encodings a CSV file may be read in: what spreadsheets on Chinese and Western systems save. */
export const ENCODINGS = ['utf-8', 'gb18030', 'utf-16le', 'utf-16be', 'big5', 'windows-1252'] as const;
export type Encoding = (typeof ENCODINGS)[number];

const SAMPLE = 64 * 1024;

/**
 * The encoding of a file's first bytes: a byte-order mark says it; else valid UTF-8 is UTF-8; else GB18030 (Excel on
 * Chinese Windows saves CSV in the ANSI code page, GBK, which GB18030 contains).
 */
export function detectEncoding(head: Uint8Array): Encoding {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return validUtf8(head) ? 'utf-8' : 'gb18030';
}

/** Valid UTF-8, allowing a character cut at the end of a sample. */
function validUtf8(bytes: Uint8Array): boolean {
  let end = bytes.length;
  // Step back over a multi-byte sequence the sample may have cut.
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const b = bytes[end - back];
    if ((b & 0xc0) === 0xc0) {
      end -= back;
      break;
    }
    if ((b & 0x80) === 0) break;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

export async function detectFileEncoding(file: string): Promise<Encoding> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(SAMPLE);
    const { bytesRead } = await handle.read(buf, 0, SAMPLE, 0);
    return detectEncoding(buf.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** Text in `encoding` as UTF-8 text (a BOM dropped). */
export const decodeText = (bytes: Uint8Array, encoding: Encoding) => iconv.decode(Buffer.from(bytes), encoding);

/** A byte stream in `encoding` as a UTF-8 byte stream. */
export function toUtf8(raw: Readable, encoding: Encoding): Readable {
  if (encoding === 'utf-8') return raw;
  const out = new PassThrough();
  raw.pipe(iconv.decodeStream(encoding)).pipe(iconv.encodeStream('utf-8')).pipe(out);
  return out;
}

/** A file's bytes as a UTF-8 byte stream, whatever its encoding. */
export const utf8Stream = (file: string, encoding: Encoding): Readable => toUtf8(createReadStream(file), encoding);
