import { sql } from 'kysely';
import type { KbLanguage, SearchHit } from '../../../contracts/knowledge.ts';
import type { Db } from '../../db/index.ts';
import { articleUrl, plainText } from './articles.ts';
import { anyOf, keyTerms, termsOf } from './words.ts';

export type SearchInput = {
  q: string;
  language?: KbLanguage;
  limit: number;
  /** Agents see internal articles too; the help centre and the bot only public ones. */
  internal: boolean;
  /** Where the search came from, logged with how many it found (null: not logged). */
  source: 'help' | 'bot' | 'agent' | null;
  now: Date;
};

/** A title term counts fully, a body term a little over half: an article titled with the question is the answer. */
const TITLE = 1;
const BODY = 0.6;

function confidenceOf(key: readonly string[], title: Set<string>, body: Set<string>, similarity: number): number {
  const covered = key.reduce((sum, t) => sum + (title.has(t) ? TITLE : body.has(t) ? BODY : 0), 0) / key.length;
  return Math.round(Math.max(covered, similarity) * 1000) / 1000;
}

/** How much of the title the question's terms make up. */
function densityOf(key: readonly string[], titleWords: string): number {
  const title = titleWords.split(' ');
  return title.filter((w) => key.includes(w)).length / Math.max(1, title.length);
}

function snippetOf(body: string, key: readonly string[]): string {
  const text = plainText(body);
  const lower = text.toLowerCase();
  const found = key.map((t) => lower.indexOf(t)).filter((i) => i >= 0);
  const at = found.length > 0 ? Math.min(...found) : 0;
  const start = Math.max(0, at - 30);
  return `${start > 0 ? '…' : ''}${text.slice(start, start + 140)}${text.length > start + 140 ? '…' : ''}`;
}

/**
 * Published articles for a question in any wording: the full-text index over the segmented words finds those sharing
 * a term (any of them), trigram similarity of the title catches typos, and each hit gets a confidence — how much of
 * the question's meaningful terms its title and body cover — which orders the hits and lets the bot decide.
 */
export async function searchArticles(db: Db, publicUrl: string, s: SearchInput): Promise<SearchHit[]> {
  const terms = termsOf(s.q);
  const key = keyTerms(s.q);
  const tsquery = terms.length > 0 ? anyOf(terms) : null;
  const rows = await sql<{
    article_id: number;
    slug: string;
    visibility: 'public' | 'internal';
    language: KbLanguage;
    title: string;
    body: string;
    words: string;
    title_words: string;
    rank: number;
    sim: number;
  }>`
    select t.article_id, a.slug, a.visibility, t.language, t.title, t.body, t.words, t.title_words,
      ${tsquery === null ? sql`0` : sql`ts_rank_cd(t.search, to_tsquery('simple', ${tsquery}))`} as rank,
      similarity(lower(t.title), ${s.q.toLowerCase()}) as sim
    from kb_article_texts t join kb_articles a on a.id = t.article_id
    where a.status = 'published' ${s.internal ? sql`` : sql`and a.visibility = 'public'`}
      ${s.language ? sql`and t.language = ${s.language}` : sql``}
      and (${tsquery === null ? sql`false` : sql`t.search @@ to_tsquery('simple', ${tsquery})`} or lower(t.title) % ${s.q.toLowerCase()})
    order by rank desc, sim desc limit 50`.execute(db);
  const hits = rows.rows
    .map((r) => ({
      id: Number(r.article_id),
      slug: r.slug,
      language: r.language,
      title: r.title,
      snippet: snippetOf(r.body, key),
      visibility: r.visibility,
      confidence: confidenceOf(key, new Set(r.title_words.split(' ')), new Set(r.words.split(' ')), Number(r.sim)),
      url: r.visibility === 'public' ? articleUrl(publicUrl, r.slug, r.language) : null,
      density: densityOf(key, r.title_words),
      rank: Number(r.rank),
    }))
    // Equal cover: the title the question fills more of (the specific article), then the full-text rank.
    .sort((a, b) => b.confidence - a.confidence || b.density - a.density || b.rank - a.rank);
  // One hit per article: its best language.
  const seen = new Set<number>();
  const best = hits.filter((h) => !seen.has(h.id) && seen.add(h.id)).slice(0, s.limit);
  if (s.source !== null)
    await db
      .insertInto('kb_searches')
      .values({ source: s.source, query: s.q.slice(0, 200), language: s.language ?? '', results: best.length, at: s.now })
      .execute();
  return best.map(({ rank: _rank, density: _density, ...h }) => h);
}
