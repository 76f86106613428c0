import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import type { z } from 'zod';
import {
  SOCIAL_IMPORT_FIELDS,
  type SOCIAL_KINDS,
  reviewBody,
  type socialImportQuery,
  type socialImportResult,
  socialPostBody,
} from '../../../contracts/social.ts';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import { decodeText, detectEncoding, makeDateParser, matchColumns } from '../ingest/index.ts';
import { storeClockOf } from '../system/index.ts';
import { recordPost, recordReview, socialSettingsOf } from './posts.ts';

type Query = z.infer<typeof socialImportQuery>;
type Result = z.infer<typeof socialImportResult>;
type Field = (typeof SOCIAL_IMPORT_FIELDS)['posts'][number] | (typeof SOCIAL_IMPORT_FIELDS)['reviews'][number];

/** Rows one file may hold (a larger export goes in parts, or through the bulk API). */
const MAX_ROWS = 50_000;
const MAX_PROBLEMS = 1_000;

/** Header names each field is recognised by: platform exports in English and Chinese (淘宝/京东 评价导出, 微博, 小红书). */
const NAMES: Record<Field, string[]> = {
  platform: ['platform', 'source', 'channel', 'network', '平台', '来源', '渠道'],
  external_id: [
    'id',
    'external id',
    'post id',
    'comment id',
    'review id',
    'note id',
    '评价id',
    '评论id',
    '微博id',
    '笔记id',
    '帖子id',
    '编号',
  ],
  kind: ['kind', 'type', 'post type', '类型'],
  parent_external_id: ['parent id', 'parent', 'reply to', 'in reply to', '父评论id', '回复对象id', '原帖id'],
  author_id: [
    'author id',
    'user id',
    'author',
    'user',
    'username',
    'buyer',
    'buyer id',
    '用户id',
    '作者id',
    '买家id',
    '买家昵称',
    '会员名',
    '用户名',
  ],
  author_name: ['author name', 'user name', 'name', 'nickname', 'display name', '昵称', '用户昵称', '作者'],
  text: [
    'text',
    'content',
    'comment',
    'review',
    'body',
    'message',
    'review text',
    '评价内容',
    '评论内容',
    '初评内容',
    '内容',
    '正文',
    '评语',
  ],
  media: ['media', 'images', 'photos', 'pictures', 'image urls', '图片', '晒图', '评价图片', '图片链接'],
  url: ['url', 'link', 'permalink', '链接', '原文链接'],
  likes: ['likes', 'like count', 'favorites', '点赞', '点赞数', '赞'],
  replies: ['replies', 'reply count', 'comments count', '回复数', '评论数'],
  rating: ['rating', 'score', 'stars', 'star rating', '评分', '星级', '评价等级', '评价结果', '打分'],
  product_sku: ['sku', 'product sku', 'product id', 'item id', 'product code', '商品编码', '商家编码', '商品id', '宝贝id', '货号'],
  order_ref: ['order', 'order id', 'order number', 'order no', '订单号', '订单编号', '主订单编号'],
  posted_at: [
    'posted at',
    'created at',
    'date',
    'time',
    'published',
    'published at',
    'timestamp',
    '评价时间',
    '评论时间',
    '发布时间',
    '时间',
    '日期',
  ],
};

/** Field → column: the ones asked for, then the header's recognised names, each column used once. */
function mappingOf(fields: readonly Field[], header: string[], asked: Record<string, string>): Record<string, string> {
  for (const [field, column] of Object.entries(asked)) {
    if (!(fields as readonly string[]).includes(field))
      throw new AppError('SOCIAL_IMPORT_MAPPING', 'invalid', `"${field}" is not a field here.`);
    if (!header.includes(column)) throw new AppError('SOCIAL_IMPORT_MAPPING', 'invalid', `The file has no column "${column}".`);
  }
  return matchColumns(fields, NAMES, header, asked);
}

/** A review's rating as written: 1–5, stars (★★★★), or the marketplaces' 好评 / 中评 / 差评. */
function ratingOf(text: string): number | null {
  const t = text.trim();
  if (/^[1-5](\.0)?$/.test(t)) return Number.parseInt(t, 10);
  const stars = [...t].filter((c) => c === '★').length;
  if (stars >= 1 && stars <= 5) return stars;
  const word: Record<string, number> = { 好评: 5, 中评: 3, 差评: 1, positive: 5, neutral: 3, negative: 1 };
  return word[t.toLowerCase()] ?? null;
}

const KIND_WORDS: Record<string, (typeof SOCIAL_KINDS)[number]> = {
  帖子: 'post',
  笔记: 'post',
  微博: 'post',
  评论: 'comment',
  提及: 'mention',
  私信: 'dm',
};

class RowProblem extends Error {
  constructor(
    readonly column: string | null,
    reason: string,
  ) {
    super(reason);
  }
}

/**
 * The line of the file a record ends on, from the bytes read when it ended (the parser's own line count takes a CRLF
 * inside quotes for two): newlines before it, its own line break not counted.
 */
function lineCounter(utf8: Buffer): (bytes: number) => number {
  const breaks: number[] = [];
  for (let i = utf8.indexOf(0x0a); i !== -1; i = utf8.indexOf(0x0a, i + 1)) breaks.push(i);
  return (bytes) => {
    let end = bytes;
    while (end > 0 && (utf8[end - 1] === 0x0a || utf8[end - 1] === 0x0d)) end--;
    let lo = 0;
    let hi = breaks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (breaks[mid] < end) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

/** A row's body as the API checks it; the first problem names the file's column. */
function checked<T>(p: z.ZodSafeParseResult<T>, mapping: Record<string, string>): T {
  if (p.success) return p.data;
  const issue = p.error.issues[0];
  const key = String(issue.path[0] ?? '');
  const name = { externalId: 'external_id', author: 'author_id', productSku: 'product_sku', orderRef: 'order_ref' }[key] ?? key;
  throw new RowProblem(mapping[name] ?? null, `${name}: ${issue.message}`);
}

/**
 * Posts or reviews from a CSV export: the columns read by their names (or as mapped), each row checked alone and
 * recorded as the API would — linked to its author's customer, its sentiment scored, once per platform and id (a row
 * again updates its counts) — every rejected row reported with its line, column and reason.
 */
export async function importSocialCsv(ctx: AppContext, q: Query, file: Buffer): Promise<Result> {
  const text = decodeText(file, q.encoding ?? detectEncoding(file.subarray(0, 64 * 1024))).replace(/^\uFEFF/, '');
  const utf8 = Buffer.from(text);
  let records: { record: string[]; info: { bytes: number } }[];
  try {
    records = parse(utf8, { relax_column_count: true, skip_empty_lines: true, bom: true, info: true }) as unknown as typeof records;
  } catch (err) {
    throw new AppError('SOCIAL_IMPORT_UNREADABLE', 'invalid', `The file is not readable as CSV: ${(err as Error).message}`);
  }
  const header = records[0]?.record;
  const rows = records.slice(1);
  if (!header || rows.length === 0)
    throw new AppError('SOCIAL_IMPORT_EMPTY', 'invalid', 'The file has a header and no rows, or nothing at all.');
  if (rows.length > MAX_ROWS) throw new AppError('SOCIAL_IMPORT_TOO_LARGE', 'invalid', `At most ${MAX_ROWS} rows per file.`);
  let asked: Record<string, string> = {};
  if (q.mapping) {
    try {
      asked = JSON.parse(q.mapping);
    } catch {
      throw new AppError('SOCIAL_IMPORT_MAPPING', 'invalid', 'mapping is not JSON.');
    }
    if (!asked || typeof asked !== 'object' || Array.isArray(asked) || Object.values(asked).some((c) => typeof c !== 'string'))
      throw new AppError('SOCIAL_IMPORT_MAPPING', 'invalid', 'mapping is a JSON object of field → column name.');
  }
  const fields = SOCIAL_IMPORT_FIELDS[q.type];
  const mapping = mappingOf(fields, header, asked);
  const needed = ['external_id', 'author_id', 'text', 'posted_at', ...(q.type === 'reviews' ? ['rating', 'product_sku'] : [])];
  const missing = needed.filter((f) => !mapping[f] && !(f === 'text' && q.type === 'reviews'));
  if (!mapping.platform && !q.platform) missing.unshift('platform');
  if (missing.length > 0)
    throw new AppError('SOCIAL_IMPORT_MAPPING', 'invalid', `No column for ${missing.join(', ')}: name it in the header or in mapping.`, {
      missing,
      header,
    });
  const index = new Map(header.map((h, i) => [h, i]));
  const { timeZone } = await storeClockOf(ctx);
  const parseDate = makeDateParser(q.dateFormat, timeZone);
  const settings = await socialSettingsOf(ctx.db);
  const result: Result = { rows: rows.length, created: 0, updated: 0, mapping, rejected: 0, problems: [] };

  await ctx.db.transaction().execute(async (trx) => {
    const lineOf = lineCounter(utf8);
    for (const { record: cells, info } of rows) {
      const get = (f: Field) => {
        const column = mapping[f];
        return column === undefined ? '' : (cells[index.get(column) as number] ?? '').trim();
      };
      await sql`savepoint social_row`.execute(trx);
      try {
        const posted = parseDate(get('posted_at')) ?? (Number.isNaN(Date.parse(get('posted_at'))) ? null : new Date(get('posted_at')));
        if (!posted) throw new RowProblem(mapping.posted_at, `posted_at: not a date (${get('posted_at')})`);
        const common = {
          platform: get('platform').toLowerCase() || q.platform,
          externalId: get('external_id'),
          author: { id: get('author_id'), ...(get('author_name') ? { name: get('author_name') } : {}) },
          text: get('text'),
          media: get('media')
            ? get('media')
                .split(/[\s,;|]+/)
                .filter(Boolean)
            : [],
          ...(get('product_sku') ? { productSku: get('product_sku') } : {}),
          ...(get('order_ref') ? { orderRef: get('order_ref') } : {}),
          postedAt: posted.toISOString(),
        };
        let outcome: { created: boolean };
        if (q.type === 'reviews') {
          const rating = ratingOf(get('rating'));
          if (rating === null) throw new RowProblem(mapping.rating, `rating: not 1–5, stars or 好评/中评/差评 (${get('rating')})`);
          outcome = await recordReview(trx, { ...ctx, db: trx }, checked(reviewBody.safeParse({ ...common, rating }), mapping), settings);
        } else {
          const kind = get('kind').toLowerCase();
          const count = (f: 'likes' | 'replies') => (get(f) ? Number(get(f).replace(/,/g, '')) : 0);
          const body = {
            ...common,
            kind: KIND_WORDS[kind] ?? (kind || 'post'),
            ...(get('parent_external_id') ? { parentExternalId: get('parent_external_id') } : {}),
            ...(get('url') ? { url: get('url') } : {}),
            likes: count('likes'),
            replies: count('replies'),
          };
          outcome = await recordPost(trx, { ...ctx, db: trx }, checked(socialPostBody.safeParse(body), mapping), settings);
        }
        if (outcome.created) result.created++;
        else result.updated++;
        await sql`release savepoint social_row`.execute(trx);
      } catch (err) {
        await sql`rollback to savepoint social_row`.execute(trx);
        result.rejected++;
        if (result.problems.length < MAX_PROBLEMS)
          result.problems.push({
            row: lineOf(info.bytes),
            column: err instanceof RowProblem ? err.column : null,
            reason: err instanceof RowProblem || err instanceof AppError ? err.message : `could not be stored: ${(err as Error).message}`,
          });
      }
    }
  });
  return result;
}
