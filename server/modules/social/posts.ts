import { sql } from 'kysely';
import type { z } from 'zod';
import {
  type ReviewBody,
  type SocialPostBody,
  type SocialSettings,
  socialSettings,
  type socialList,
  type socialListQuery,
} from '../../../contracts/social.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { encryptField } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import { recordAudit } from '../audit/index.ts';
import { presentFreeText } from '../customers/index.ts';
import { findKnownCustomers } from '../identity/index.ts';
import { themesOf } from '../knowledge/index.ts';
import { openServiceTicket } from '../service/index.ts';
import { readSetting, writeSetting } from '../system/index.ts';
import { sentimentOf } from './sentiment.ts';

export const socialErrors = {
  notFound: (id: number) => new AppError('SOCIAL_POST_NOT_FOUND', 'not_found', `Social post ${id} does not exist.`),
};

const KEY = 'social';
const DEFAULTS: SocialSettings = socialSettings.parse({});
export const socialSettingsOf = async (db: Db) => socialSettings.parse(await readSetting(db, KEY, DEFAULTS));
export const writeSocialSettings = (db: Db, value: SocialSettings, actor: Actor) =>
  writeSetting(db, { key: KEY, value, fallback: DEFAULTS, actor });

/** A comment, mention or message that asks something or complains wants an answer (a post of the shop's own does not). */
const ASKS = /[?？]|吗|呢|怎么|为什么|how|why|when|where|can you|could you/i;
const wantsAnswer = (p: SocialPostBody, label: string) => p.kind !== 'post' && (label === 'negative' || ASKS.test(p.text));

/**
 * Records one post, comment, mention or message, once per (platform, external id): the author linked to the customer
 * who holds that platform id (an external identity of that channel), else kept as an unlinked author; its sentiment and
 * the words that decided it; whether it wants an answer. A negative one by a known customer opens a complaint ticket
 * (when the settings say so). A post seen again updates its counts only.
 */
export async function recordPost(trx: Db, ctx: AppContext, p: SocialPostBody, settings: SocialSettings) {
  const now = ctx.clock.now();
  const [customerId] = await findKnownCustomers(trx, ctx.keyring, [[{ kind: 'external', channel: p.platform, value: p.author.id }]], now);
  const s = sentimentOf(p.text);
  const isPrivate = p.kind === 'dm';
  const inserted = await trx
    .insertInto('social_posts')
    .values({
      platform: p.platform,
      external_id: p.externalId,
      kind: p.kind,
      parent_external_id: p.parentExternalId ?? null,
      author_id: p.author.id,
      author_name: p.author.name ?? null,
      customer_id: customerId,
      text: isPrivate ? null : p.text,
      text_enc: isPrivate ? encryptField(ctx.keyring, p.text) : null,
      media: p.media,
      url: p.url ?? null,
      likes: p.likes,
      replies: p.replies,
      product_sku: p.productSku ?? null,
      order_ref: p.orderRef ?? null,
      sentiment: s.score,
      sentiment_label: s.label,
      sentiment_words: JSON.stringify(s.words),
      needs_answer: wantsAnswer(p, s.label),
      posted_at: new Date(p.postedAt),
      created_at: now,
    })
    .onConflict((oc) => oc.columns(['platform', 'external_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) {
    const row = await trx
      .updateTable('social_posts')
      .set({ likes: p.likes, replies: p.replies })
      .where('platform', '=', p.platform)
      .where('external_id', '=', p.externalId)
      .returning(['id', 'customer_id', 'sentiment_label', 'ticket_id'])
      .executeTakeFirstOrThrow();
    return {
      id: Number(row.id),
      created: false,
      customerId: row.customer_id === null ? null : Number(row.customer_id),
      sentiment: row.sentiment_label,
      ticketId: row.ticket_id === null ? null : Number(row.ticket_id),
    };
  }
  let ticketId: number | null = null;
  if (settings.ticketOnNegative && s.label === 'negative' && customerId !== null) {
    const words = s.words.map((w) => w.word).join(', ');
    ticketId = (
      await openServiceTicket(trx, ctx, {
        subject: `[${p.platform}] ${p.text.slice(0, 60)}`,
        body: `${p.text}\n\n${p.url ?? ''}\n(${words})`.trim(),
        customerId,
        type: 'complaint',
      })
    ).id;
    await trx.updateTable('social_posts').set({ ticket_id: ticketId }).where('id', '=', inserted.id).execute();
  }
  return { id: Number(inserted.id), created: true, customerId, sentiment: s.label, ticketId };
}

/**
 * A product review, recorded like a post (kind `review`, once per platform and id) with its rating: the buyer linked by
 * the platform's buyer id, the sentiment of its text, a low rating with a negative text wanting an answer.
 */
export async function recordReview(trx: Db, ctx: AppContext, r: ReviewBody, settings: SocialSettings) {
  const posted = await recordPost(
    trx,
    ctx,
    { ...r, kind: 'comment', likes: 0, replies: 0 },
    { ...settings, ticketOnNegative: settings.ticketOnNegative && r.rating <= 2 },
  );
  await trx
    .updateTable('social_posts')
    .set({ kind: 'review', rating: r.rating, needs_answer: sql<boolean>`${r.rating <= 2} or needs_answer` })
    .where('id', '=', posted.id)
    .execute();
  return posted;
}

/** Posts newest first: by platform, sentiment, a person's, or those still wanting an answer. */
export async function listPosts(
  ctx: AppContext,
  q: Omit<z.infer<typeof socialListQuery>, 'reveal'> & { reveal: boolean },
  actor: Actor,
): Promise<z.infer<typeof socialList>> {
  let base = ctx.db.selectFrom('social_posts as p');
  if (q.platform) base = base.where('p.platform', '=', q.platform);
  if (q.sentiment) base = base.where('p.sentiment_label', '=', q.sentiment);
  if (q.unanswered) base = base.where('p.needs_answer', '=', true).where('p.answered_at', 'is', null);
  if (q.customerId) base = base.where('p.customer_id', '=', q.customerId);
  const [rows, total] = await Promise.all([
    base
      .leftJoin('customers as c', 'c.id', 'p.customer_id')
      .selectAll('p')
      .select('c.name as customer_name')
      .orderBy('p.posted_at', 'desc')
      .orderBy('p.id', 'desc')
      .limit(q.limit)
      .offset(q.offset)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  const ids = rows.map((r) => Number(r.id));
  // Direct messages are the writer's own words, kept encrypted: contacts in them masked unless revealed (audited).
  const revealed = q.reveal ? rows.filter((r) => r.text === null && r.text_enc !== null) : [];
  for (const r of revealed)
    await recordAudit(ctx.db, {
      actor,
      action: r.customer_id === null ? 'social.reveal_message' : 'customer.reveal_pii',
      target: r.customer_id === null ? { type: 'social_post', id: Number(r.id) } : { type: 'customer', id: Number(r.customer_id) },
      details: { via: 'social', postId: Number(r.id) },
    });
  const replies = ids.length
    ? await ctx.db
        .selectFrom('social_replies')
        .select(['post_id', 'text', 'created_at'])
        .where('post_id', 'in', ids)
        .orderBy('id')
        .execute()
    : [];
  return {
    total: Number(total.n),
    items: rows.map((r) => ({
      id: Number(r.id),
      platform: r.platform,
      externalId: r.external_id,
      kind: r.kind === 'review' ? 'post' : r.kind,
      authorId: r.author_id,
      authorName: r.author_name,
      customerId: r.customer_id === null ? null : Number(r.customer_id),
      customerName: r.customer_name,
      text: r.text ?? (r.text_enc ? presentFreeText(ctx.keyring, r.text_enc, q.reveal) : ''),
      url: r.url,
      likes: r.likes,
      replies: r.replies,
      productSku: r.product_sku,
      sentiment: Number(r.sentiment),
      sentimentLabel: r.sentiment_label,
      sentimentWords: r.sentiment_words as { word: string; weight: number }[],
      needsAnswer: r.needs_answer,
      ticketId: r.ticket_id === null ? null : Number(r.ticket_id),
      answeredAt: r.answered_at?.toISOString() ?? null,
      postedAt: r.posted_at.toISOString(),
      ourReplies: replies.filter((x) => Number(x.post_id) === Number(r.id)).map((x) => ({ text: x.text, at: x.created_at.toISOString() })),
    })),
  };
}

/** A reply written in Patron, recorded for the platform's bridge to send; the post no longer waits for an answer. */
export async function replyToPost(ctx: AppContext, postId: number, text: string, actor: Actor): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const r = await trx.updateTable('social_posts').set({ answered_at: now }).where('id', '=', postId).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw socialErrors.notFound(postId);
    await trx
      .insertInto('social_replies')
      .values({ post_id: postId, user_id: actor.type === 'user' ? actor.id : null, text, created_at: now })
      .execute();
  });
}

/** The volume and sentiment by day and platform, topics, the most active authors, and how many still want an answer. */
export async function socialReportOf(db: Db, r: { from: string; to: string; timeZone: string }) {
  const start = sql`(${r.from}::date::timestamp at time zone ${r.timeZone})`;
  const end = sql`((${r.to}::date + 1)::timestamp at time zone ${r.timeZone})`;
  const [byDay, byPlatform, texts, authors, unanswered, products] = await Promise.all([
    sql<{ day: string; positive: number; neutral: number; negative: number }>`
      select to_char(posted_at at time zone ${r.timeZone}, 'YYYY-MM-DD') as day,
        count(*) filter (where sentiment_label = 'positive')::int as positive, count(*) filter (where sentiment_label = 'neutral')::int as neutral,
        count(*) filter (where sentiment_label = 'negative')::int as negative
      from social_posts where posted_at >= ${start} and posted_at < ${end} group by 1 order by 1`.execute(db),
    sql<{ platform: string; posts: number; negative: number }>`
      select platform, count(*)::int as posts, count(*) filter (where sentiment_label = 'negative')::int as negative
      from social_posts where posted_at >= ${start} and posted_at < ${end} group by 1 order by 2 desc`.execute(db),
    sql<{ text: string }>`
      select text from social_posts where posted_at >= ${start} and posted_at < ${end} and text is not null order by posted_at desc limit 5000`.execute(
      db,
    ),
    sql<{ platform: string; author_id: string; name: string | null; customer_id: number | null; posts: number; likes: number }>`
      select platform, author_id, max(author_name) as name, max(customer_id) as customer_id, count(*)::int as posts, sum(likes)::int as likes
      from social_posts where posted_at >= ${start} and posted_at < ${end} group by 1, 2 order by posts desc, likes desc limit 20`.execute(
      db,
    ),
    sql<{ n: number }>`select count(*)::int as n from social_posts where needs_answer and answered_at is null`.execute(db),
    sql<{ sku: string; reviews: number; average: number; negative: number }>`
      select product_sku as sku, count(*)::int as reviews, avg(rating)::float as average, count(*) filter (where sentiment_label = 'negative')::int as negative
      from social_posts where kind = 'review' and posted_at >= ${start} and posted_at < ${end} group by 1 order by 3, 2 desc limit 100`.execute(
      db,
    ),
  ]);
  return {
    byDay: byDay.rows.map((d) => ({ day: d.day, positive: Number(d.positive), neutral: Number(d.neutral), negative: Number(d.negative) })),
    byPlatform: byPlatform.rows.map((p) => ({
      platform: p.platform,
      posts: Number(p.posts),
      negativeShare: Number(p.posts) ? Number(p.negative) / Number(p.posts) : 0,
    })),
    topics: themesOf(texts.rows.map((t) => t.text)),
    authors: authors.rows.map((a) => ({
      platform: a.platform,
      authorId: a.author_id,
      name: a.name,
      customerId: a.customer_id === null ? null : Number(a.customer_id),
      posts: Number(a.posts),
      likes: Number(a.likes),
    })),
    unanswered: Number(unanswered.rows[0]?.n ?? 0),
    products: products.rows.map((p) => ({
      sku: p.sku,
      reviews: Number(p.reviews),
      averageRating: Math.round(Number(p.average) * 100) / 100,
      negativeShare: Number(p.reviews) ? Number(p.negative) / Number(p.reviews) : 0,
    })),
  };
}
