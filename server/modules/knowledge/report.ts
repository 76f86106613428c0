import { sql } from 'kysely';
import type { z } from 'zod';
import type { knowledgeReport } from '../../../contracts/knowledge.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import type { Keyring } from '../../platform/crypto.ts';
import { decryptField } from '../../platform/crypto.ts';
import { recordAudit } from '../audit/index.ts';

type Range = { from: string; to: string; timeZone: string };

/**
 * What the knowledge base misses and what the bot saves: searches that found nothing (the articles to write), the
 * questions the bot could not answer or handed over, its deflection rate (conversations finished without an agent),
 * and which articles readers found helpful.
 */
export async function knowledgeReportOf(db: Db, keyring: Keyring, r: Range, actor: Actor): Promise<z.infer<typeof knowledgeReport>> {
  const start = sql`(${r.from}::date::timestamp at time zone ${r.timeZone})`;
  const end = sql`((${r.to}::date + 1)::timestamp at time zone ${r.timeZone})`;
  const [searches, noResult, unanswered, conversations, answers, articles] = await Promise.all([
    sql<{ n: number }>`select count(*)::int as n from kb_searches where at >= ${start} and at < ${end}`.execute(db),
    sql<{ query: string; count: number; last: Date }>`
      select lower(query) as query, count(*)::int as count, max(at) as last from kb_searches
      where results = 0 and at >= ${start} and at < ${end} group by lower(query) order by count desc, last desc limit 50`.execute(db),
    sql<{ question_enc: string; kind: string; at: Date }>`
      select question_enc, kind, at from bot_turns where kind in ('unanswered', 'handoff') and at >= ${start} and at < ${end}
      order by at desc limit 100`.execute(db),
    sql<{ total: number; handed: number }>`
      select count(*)::int as total, count(*) filter (where ticket_id is not null)::int as handed from bot_conversations
      where started_at >= ${start} and started_at < ${end}`.execute(db),
    sql<{ kind: string; count: number }>`
      select kind, count(*)::int as count from bot_turns where at >= ${start} and at < ${end} group by kind order by count desc`.execute(
      db,
    ),
    sql<{ id: number; title: string; helpful_yes: number; helpful_no: number }>`
      select a.id, (select t.title from kb_article_texts t where t.article_id = a.id order by t.language desc limit 1) as title, a.helpful_yes, a.helpful_no
      from kb_articles a where a.helpful_yes + a.helpful_no > 0 order by a.helpful_no desc, a.helpful_yes desc limit 50`.execute(db),
  ]);
  // The questions are what visitors wrote (they may name themselves): reading them decrypted is audited.
  if (unanswered.rows.length > 0)
    await recordAudit(db, {
      actor,
      action: 'knowledge.unanswered_view',
      target: { type: 'knowledge', id: 0 },
      details: { rows: unanswered.rows.length },
    });
  const c = conversations.rows[0] ?? { total: 0, handed: 0 };
  return {
    searches: Number(searches.rows[0]?.n ?? 0),
    noResult: noResult.rows.map((x) => ({ query: x.query, count: Number(x.count), last: x.last.toISOString() })),
    unanswered: unanswered.rows.map((x) => ({ question: decryptField(keyring, x.question_enc), kind: x.kind, at: x.at.toISOString() })),
    bot: {
      conversations: Number(c.total),
      handedOver: Number(c.handed),
      deflectionRate: Number(c.total) > 0 ? Math.round(((Number(c.total) - Number(c.handed)) / Number(c.total)) * 1000) / 1000 : null,
      answers: answers.rows.map((x) => ({ kind: x.kind, count: Number(x.count) })),
    },
    articles: articles.rows.map((x) => ({ id: Number(x.id), title: x.title, helpfulYes: x.helpful_yes, helpfulNo: x.helpful_no })),
  };
}
