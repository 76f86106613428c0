import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { type Session, apiAs, as, signIn, signInAs, startTestPatron } from '../../../test/app.ts';
import type { Patron } from '../../app.ts';

describe('social listening', () => {
  let patron: Patron;
  let owner: Session;
  const api = apiAs(
    () => patron,
    () => owner,
  );
  let customerId: number;
  const post = (over: object) =>
    api('POST', '/social/posts', {
      platform: 'weibo',
      kind: 'comment',
      author: { id: 'wb-1001', name: '小红' },
      postedAt: new Date().toISOString(),
      ...over,
    });

  beforeAll(async () => {
    patron = await startTestPatron();
    owner = await signIn(patron);
    const c = await api('POST', '/customers', { externalIds: [{ channel: 'weibo', id: 'wb-1001' }], name: '小红' });
    customerId = c.json().customerId;
  });
  afterAll(() => patron.close());

  it('links a post to the customer holding its author’s platform id, and opens a complaint ticket for a negative one, once', async () => {
    const first = await post({ externalId: 'c-1', text: '收到的杯子是破的，客服也不理人，太失望了', url: 'https://weibo.com/1/c-1' });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ created: true, customerId, sentiment: 'negative' });
    expect(first.json().ticketId).not.toBeNull();
    const ticket = (await api('GET', `/tickets/${first.json().ticketId}`)).json();
    expect(ticket).toMatchObject({ type: 'complaint', customerId });
    const again = await post({ externalId: 'c-1', text: '收到的杯子是破的，客服也不理人，太失望了', likes: 12 });
    expect(again.json()).toMatchObject({ created: false, ticketId: first.json().ticketId });
    const listed = (await api('GET', '/social/posts?sentiment=negative')).json().items[0];
    expect(listed).toMatchObject({ likes: 12, needsAnswer: true, customerName: '小红' });
    expect(listed.sentimentWords.map((w: { word: string }) => w.word)).toEqual(expect.arrayContaining(['失望']));
  });

  it('keeps an unknown author unlinked, a direct message encrypted, and a reply recorded for the bridge', async () => {
    const stranger = await post({ externalId: 'c-2', author: { id: 'wb-9999' }, text: '这款有黑色吗？' });
    expect(stranger.json()).toMatchObject({ customerId: null, sentiment: 'neutral', ticketId: null });
    const dm = await post({ externalId: 'dm-1', kind: 'dm', text: '我的手机号是13800138000，订单还没到' });
    const row = await patron.ctx.db
      .selectFrom('social_posts')
      .select(['text', 'text_enc'])
      .where('id', '=', dm.json().id)
      .executeTakeFirstOrThrow();
    expect(row.text).toBeNull();
    expect(row.text_enc).not.toContain('13800138000');
    // Listed with the number masked; in clear only on request, for those who may see personal data, audited.
    const dmOf = async (query: string, session = owner) =>
      (await patron.http.inject({ method: 'GET', url: `/api/v1/social/posts?limit=200${query}`, headers: as(session) }))
        .json()
        .items?.find((p: { externalId: string }) => p.externalId === 'dm-1');
    expect((await dmOf('')).text).toBe('我的手机号是138****8000，订单还没到');
    expect((await dmOf('&reveal=true')).text).toBe('我的手机号是13800138000，订单还没到');
    const audited = await patron.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('action', 'in', ['social.reveal_message', 'customer.reveal_pii'])
      .execute();
    expect(audited.map((a) => a.details)).toContainEqual(expect.objectContaining({ via: 'social', postId: dm.json().id }));
    const analyst = await signInAs(patron, 'analyst');
    expect((await dmOf('', analyst)).text).toBe('我的手机号是138****8000，订单还没到');
    expect(await dmOf('&reveal=true', analyst)).toBeUndefined();
    const waiting = (await api('GET', '/social/posts?unanswered=true&limit=200'))
      .json()
      .items.map((p: { externalId: string }) => p.externalId);
    expect(waiting).toContain('c-2');
    const replied = await api('POST', `/social/posts/${stranger.json().id}/replies`, { text: '有的，黑色现货' });
    expect(replied.statusCode).toBe(200);
    const after = (await api('GET', '/social/posts?unanswered=true&limit=200'))
      .json()
      .items.map((p: { externalId: string }) => p.externalId);
    expect(after).not.toContain('c-2');
    expect((await api('POST', '/social/posts/999999/replies', { text: 'x' })).json().error.code).toBe('SOCIAL_POST_NOT_FOUND');
  });

  it('takes a bulk export item by item, and follows the setting for tickets', async () => {
    await api('PUT', '/social/settings', { ticketOnNegative: false });
    const res = await api('POST', '/social/posts/bulk', {
      items: [
        {
          platform: 'douyin',
          externalId: 'd-1',
          kind: 'comment',
          author: { id: 'wb-1001' },
          text: '物流太慢了',
          postedAt: new Date().toISOString(),
        },
        { platform: 'douyin', externalId: 'd-2', kind: 'bogus', author: { id: 'x' }, text: '', postedAt: 'yesterday' },
        {
          platform: 'xiaohongshu',
          externalId: 'x-1',
          kind: 'post',
          author: { id: 'xhs-1' },
          text: '包装精美，很喜欢，推荐',
          postedAt: new Date().toISOString(),
        },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    const [a, b, c] = res.json().results;
    expect(a).toMatchObject({ index: 0, sentiment: 'negative', ticketId: null });
    expect(b).toMatchObject({ index: 1, error: { code: 'VALIDATION_FAILED' } });
    expect(c).toMatchObject({ index: 2, sentiment: 'positive' });
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const report = (await api('GET', `/social/report?from=${day(-1)}&to=${day(1)}`)).json();
    expect(report.byPlatform.map((p: { platform: string }) => p.platform)).toEqual(
      expect.arrayContaining(['weibo', 'douyin', 'xiaohongshu']),
    );
    expect(report.unanswered).toBeGreaterThan(0);
    expect(report.authors[0]).toMatchObject({ authorId: 'wb-1001' });
    expect((await api('POST', '/social/posts', { platform: 'Weibo!', externalId: 'x' })).statusCode).toBe(400);
  });

  it('records product reviews with their ratings: on the 360 page, per product in the report, as a segment field', async () => {
    await api('PUT', '/social/settings', { ticketOnNegative: true });
    const review = (over: object) =>
      api('POST', '/reviews', {
        platform: 'tmall',
        author: { id: 'tm-77' },
        productSku: 'MUG',
        postedAt: new Date().toISOString(),
        ...over,
      });
    await api('POST', '/customers', { externalIds: [{ channel: 'tmall', id: 'tm-77' }], name: '买家' });
    const bad = await review({ externalId: 'r-1', rating: 1, text: '杯子是破的，太差了' });
    expect(bad.statusCode, bad.body).toBe(200);
    expect(bad.json()).toMatchObject({ sentiment: 'negative' });
    expect(bad.json().ticketId).not.toBeNull();
    const good = await review({ externalId: 'r-2', rating: 5, text: '很喜欢，包装精美', author: { id: 'tm-88' } });
    expect(good.json()).toMatchObject({ sentiment: 'positive', ticketId: null });
    expect((await review({ externalId: 'r-3', rating: 6, text: '' })).statusCode).toBe(400);
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const report = (await api('GET', `/social/report?from=${day(-1)}&to=${day(1)}`)).json();
    expect(report.products).toContainEqual({ sku: 'MUG', reviews: 2, averageRating: 3, negativeShare: 0.5 });
    const buyer = bad.json().customerId;
    const panel = (await api('GET', `/customers/${buyer}/panels`)).json().items.find((p: { key: string }) => p.key === 'social');
    expect(panel.rows[0]).toMatchObject({ kind: 'review', rating: 1, product: 'MUG' });
  });

  it('imports a marketplace review export in GBK with Chinese headers and a posts file mapped by hand, reporting each rejected row', async () => {
    const csvUpload = (query: string, body: Buffer) =>
      patron.http.inject({
        method: 'POST',
        url: `/api/v1/social/import?${query}`,
        headers: { ...as(owner), 'content-type': 'text/csv' },
        payload: body,
      });
    // A Taobao-style review export: 好评/差评 for the rating, the buyer's nick as their platform id, one bad date.
    const reviews = [
      '评价id,买家昵称,评价结果,评价内容,评价图片,商品编码,订单号,评价时间',
      'R-1,wb-1001,好评,"质量很好，\r\n物流也快",https://img.example.com/a.jpg https://img.example.com/b.jpg,MUG-1,TB-77,2026-11-20 10:30:00',
      'R-2,tb-buyer-2,差评,杯子裂了，很失望,,MUG-1,,2026-11-21 09:00',
      'R-3,tb-buyer-3,★★★,一般,,MUG-1,,昨天',
      'R-4,tb-buyer-4,满意,还行,,MUG-1,,2026-11-22',
    ].join('\r\n');
    const res = await csvUpload('type=reviews&platform=taobao', iconv.encode(reviews, 'gb18030'));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      rows: 4,
      created: 2,
      updated: 0,
      rejected: 2,
      mapping: { external_id: '评价id', author_id: '买家昵称', rating: '评价结果', text: '评价内容', posted_at: '评价时间' },
    });
    expect(res.json().problems).toEqual([
      // Lines of the file: R-1's text spans two.
      { row: 5, column: '评价时间', reason: 'posted_at: not a date (昨天)' },
      { row: 6, column: '评价结果', reason: 'rating: not 1–5, stars or 好评/中评/差评 (满意)' },
    ]);
    const stored = await patron.ctx.db
      .selectFrom('social_posts')
      .select(['external_id', 'customer_id', 'rating', 'media', 'sentiment_label', 'kind'])
      .where('platform', '=', 'taobao')
      .orderBy('external_id')
      .execute();
    expect(stored).toEqual([
      {
        external_id: 'R-1',
        customer_id: null,
        rating: 5,
        media: ['https://img.example.com/a.jpg', 'https://img.example.com/b.jpg'],
        sentiment_label: 'positive',
        kind: 'review',
      },
      { external_id: 'R-2', customer_id: null, rating: 1, media: [], sentiment_label: 'negative', kind: 'review' },
    ]);

    // Posts whose header names nothing Patron knows: mapped by hand; the same file again updates their counts.
    const posts = [
      '帖子,用户,内容,赞,何时,平台',
      'x-1,wb-1001,这个杯子颜值好高,3,2026-11-25T08:00:00Z,weibo',
      'x-2,,没有作者,1,2026-11-25,weibo',
    ].join('\n');
    const mapping = encodeURIComponent(
      JSON.stringify({ external_id: '帖子', author_id: '用户', text: '内容', likes: '赞', posted_at: '何时' }),
    );
    const first = (await csvUpload(`type=posts&mapping=${mapping}`, Buffer.from(posts))).json();
    expect(first).toMatchObject({
      rows: 2,
      created: 1,
      rejected: 1,
      problems: [{ row: 3, column: '用户', reason: expect.stringContaining('author_id') }],
    });
    const again = (await csvUpload(`type=posts&mapping=${mapping}`, Buffer.from(posts.replace(',3,', ',30,')))).json();
    expect(again).toMatchObject({ created: 0, updated: 1 });
    const linked = (await api('GET', `/social/posts?customerId=${customerId}&limit=200`))
      .json()
      .items.find((p: { externalId: string }) => p.externalId === 'x-1');
    expect(linked).toMatchObject({ likes: 30, platform: 'weibo' });

    const unnamed = await csvUpload('type=posts', Buffer.from('a,b\n1,2'));
    expect([unnamed.statusCode, unnamed.json().error.code]).toEqual([400, 'SOCIAL_IMPORT_MAPPING']);
    expect(unnamed.json().error.details.missing).toEqual(['platform', 'external_id', 'author_id', 'text', 'posted_at']);
    expect((await csvUpload('type=posts', Buffer.from(''))).json().error.code).toBe('SOCIAL_IMPORT_EMPTY');
    expect((await csvUpload(`type=posts&mapping=${encodeURIComponent('{"nope":"a"}')}`, Buffer.from('a\n1'))).json().error.code).toBe(
      'SOCIAL_IMPORT_MAPPING',
    );
    for (const bad of ['null', '[1]', '{"text":1}'])
      expect((await csvUpload(`type=posts&mapping=${encodeURIComponent(bad)}`, Buffer.from('a\n1'))).json().error.code).toBe(
        'SOCIAL_IMPORT_MAPPING',
      );
  });
});
