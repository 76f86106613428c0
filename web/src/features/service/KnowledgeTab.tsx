import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Form, Input, Modal, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { type ArticleBody, type ArticleView, KB_LANGUAGES, type articleList, type categoryList } from '../../../../contracts/knowledge.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';

type Categories = z.infer<typeof categoryList>;
type Articles = z.infer<typeof articleList>;

const EMPTY: ArticleBody = {
  slug: '',
  categoryId: null,
  status: 'draft',
  visibility: 'public',
  texts: { 'zh-CN': { title: '', body: '' } },
};

/** Writes an article: its address, category, status and visibility, and a title and Markdown body per language. */
function ArticleEditor({ id, categories, onClose }: { id: number | 'new'; categories: Categories['items']; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const existing = useQuery({
    queryKey: ['article', id],
    queryFn: () => api<ArticleView>(`/knowledge/articles/${id}`),
    enabled: id !== 'new',
  });
  const [draft, setDraft] = useState<ArticleBody | null>(id === 'new' ? EMPTY : null);
  const a: ArticleBody | null =
    draft ??
    (existing.data
      ? {
          slug: existing.data.slug,
          categoryId: existing.data.categoryId,
          status: existing.data.status,
          visibility: existing.data.visibility,
          texts: Object.fromEntries(
            KB_LANGUAGES.flatMap((l) =>
              existing.data.texts[l] ? [[l, { title: existing.data.texts[l].title, body: existing.data.texts[l].body }]] : [],
            ),
          ),
        }
      : null);
  const save = useMutation({
    mutationFn: (body: ArticleBody) =>
      id === 'new'
        ? api<ArticleView>('/knowledge/articles', { method: 'POST', body })
        : api<ArticleView>(`/knowledge/articles/${id}`, { method: 'PUT', body }),
    onSuccess: () => {
      message.success(t('knowledge.saved'));
      void client.invalidateQueries({ queryKey: ['articles'] });
      onClose();
    },
    onError: (err) => message.error(errorMessage(t, err)),
  });
  const set = (patch: Partial<ArticleBody>) => a && setDraft({ ...a, ...patch });
  const setText = (lang: (typeof KB_LANGUAGES)[number], patch: Partial<{ title: string; body: string }>) => {
    if (!a) return;
    const cur = a.texts[lang] ?? { title: '', body: '' };
    const next = { ...cur, ...patch };
    const texts = { ...a.texts, [lang]: next };
    if (!next.title && !next.body) delete texts[lang];
    set({ texts });
  };
  return (
    <Modal
      open
      width={760}
      title={id === 'new' ? t('knowledge.newArticle') : t('knowledge.editArticle')}
      onCancel={onClose}
      onOk={() => a && save.mutate(a)}
      confirmLoading={save.isPending}
      okText={t('common.save')}
    >
      {!a ? (
        <Card loading />
      ) : (
        <Form layout="vertical" data-testid="article-editor">
          <Space wrap>
            <Form.Item label={t('knowledge.slug')} required>
              <Input
                value={a.slug}
                onChange={(e) => set({ slug: e.target.value })}
                placeholder="how-to-return"
                data-testid="article-slug"
              />
            </Form.Item>
            <Form.Item label={t('knowledge.category')}>
              <Select
                allowClear
                style={{ width: 160 }}
                value={a.categoryId ?? undefined}
                onChange={(v) => set({ categoryId: v ?? null })}
                options={categories.map((c) => ({ value: c.id, label: c.names[i18n.language === 'en' ? 'en' : 'zh-CN'] }))}
              />
            </Form.Item>
            <Form.Item label={t('knowledge.status')}>
              <Select
                style={{ width: 120 }}
                value={a.status}
                onChange={(status) => set({ status })}
                options={(['draft', 'published'] as const).map((s) => ({ value: s, label: t(`knowledge.statuses.${s}`) }))}
                data-testid="article-status"
              />
            </Form.Item>
            <Form.Item label={t('knowledge.visibility')}>
              <Select
                style={{ width: 140 }}
                value={a.visibility}
                onChange={(visibility) => set({ visibility })}
                options={(['public', 'internal'] as const).map((s) => ({ value: s, label: t(`knowledge.visibilities.${s}`) }))}
              />
            </Form.Item>
          </Space>
          <Tabs
            items={KB_LANGUAGES.map((l) => ({
              key: l,
              label: t(`knowledge.languages.${l}`),
              children: (
                <>
                  <Form.Item label={t('knowledge.title')}>
                    <Input
                      value={a.texts[l]?.title ?? ''}
                      onChange={(e) => setText(l, { title: e.target.value })}
                      data-testid={`article-title-${l}`}
                    />
                  </Form.Item>
                  <Form.Item label={t('knowledge.body')} extra={t('knowledge.markdown')}>
                    <Input.TextArea
                      autoSize={{ minRows: 8, maxRows: 20 }}
                      value={a.texts[l]?.body ?? ''}
                      onChange={(e) => setText(l, { body: e.target.value })}
                      data-testid={`article-body-${l}`}
                    />
                  </Form.Item>
                </>
              ),
            }))}
          />
        </Form>
      )}
    </Modal>
  );
}

/** Adds a help-centre category (its address and both names). */
function NewCategory() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [v, setV] = useState({ slug: '', zh: '', en: '' });
  const add = useMutation({
    mutationFn: () =>
      api<Categories>('/knowledge/categories', { method: 'POST', body: { slug: v.slug, names: { 'zh-CN': v.zh, en: v.en } } }),
    onSuccess: () => {
      setV({ slug: '', zh: '', en: '' });
      void client.invalidateQueries({ queryKey: ['kb-categories'] });
    },
    onError: (err) => message.error(errorMessage(t, err)),
  });
  return (
    <Space.Compact>
      <Input
        placeholder={t('knowledge.slug')}
        value={v.slug}
        onChange={(e) => setV({ ...v, slug: e.target.value })}
        style={{ width: 120 }}
      />
      <Input
        placeholder={t('knowledge.languages.zh-CN')}
        value={v.zh}
        onChange={(e) => setV({ ...v, zh: e.target.value })}
        style={{ width: 120 }}
      />
      <Input
        placeholder={t('knowledge.languages.en')}
        value={v.en}
        onChange={(e) => setV({ ...v, en: e.target.value })}
        style={{ width: 120 }}
      />
      <Button disabled={!v.slug || !v.zh || !v.en} loading={add.isPending} onClick={() => add.mutate()}>
        {t('knowledge.addCategory')}
      </Button>
    </Space.Compact>
  );
}

/** The knowledge base: articles (drafts, published, internal), categories, a search to try, the help centre's link. */
export function KnowledgeTab() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const [editing, setEditing] = useState<number | 'new' | null>(null);
  const [q, setQ] = useState('');
  const categories = useQuery({ queryKey: ['kb-categories'], queryFn: () => api<Categories>('/knowledge/categories') });
  const articles = useQuery({ queryKey: ['articles'], queryFn: () => api<Articles>('/knowledge/articles', { query: { limit: 200 } }) });
  const search = useQuery({
    queryKey: ['kb-search', q],
    queryFn: () =>
      api<{ items: { id: number; title: string; confidence: number; visibility: string }[] }>('/knowledge/search', { query: { q } }),
    enabled: q.trim().length > 0,
  });
  const lang = i18n.language === 'en' ? 'en' : 'zh-CN';
  const catName = (id: number | null) => categories.data?.items.find((c) => c.id === id)?.names[lang] ?? '—';
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="knowledge-tab">
      <Space wrap style={{ width: '100%', justifyContent: 'space-between' }}>
        <Space>
          {can('service.write') && (
            <Button type="primary" onClick={() => setEditing('new')} data-testid="new-article">
              {t('knowledge.newArticle')}
            </Button>
          )}
          <a href="/help" target="_blank" rel="noreferrer">
            {t('knowledge.openHelpCentre')}
          </a>
        </Space>
        <Input.Search placeholder={t('knowledge.tryIt')} allowClear onSearch={setQ} style={{ width: 280 }} data-testid="kb-search" />
      </Space>
      {q && (
        <Card size="small" title={t('knowledge.results')}>
          {(search.data?.items ?? []).map((h) => (
            <div key={h.id}>
              <Typography.Link onClick={() => setEditing(h.id)}>{h.title}</Typography.Link>{' '}
              <Tag>{`${Math.round(h.confidence * 100)}%`}</Tag>
              {h.visibility === 'internal' && <Tag>{t('knowledge.visibilities.internal')}</Tag>}
            </div>
          ))}
          {search.data?.items.length === 0 && <Typography.Text type="secondary">{t('knowledge.noResults')}</Typography.Text>}
        </Card>
      )}
      <Table
        size="small"
        rowKey="id"
        loading={articles.isLoading}
        dataSource={articles.data?.items}
        onRow={(a) => ({ onClick: () => setEditing(a.id), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('knowledge.title'), render: (_, a) => a.titles[lang] ?? a.titles['zh-CN'] ?? a.titles.en ?? a.slug },
          { title: t('knowledge.category'), render: (_, a) => catName(a.categoryId) },
          {
            title: t('knowledge.status'),
            render: (_, a) => <Tag color={a.status === 'published' ? 'green' : undefined}>{t(`knowledge.statuses.${a.status}`)}</Tag>,
          },
          { title: t('knowledge.visibility'), render: (_, a) => t(`knowledge.visibilities.${a.visibility}`) },
          { title: t('knowledge.helpful'), render: (_, a) => `👍 ${a.helpfulYes} · 👎 ${a.helpfulNo}` },
          { title: t('knowledge.updated'), render: (_, a) => formatDateTime(a.updatedAt, i18n.language) },
        ]}
      />
      <Card size="small" title={t('knowledge.categories')}>
        <Space wrap>
          {categories.data?.items.map((c) => (
            <Tag key={c.id}>{`${c.names[lang]} (${c.articles})`}</Tag>
          ))}
        </Space>
        {can('service.write') && (
          <div style={{ marginTop: 8 }}>
            <NewCategory />
          </div>
        )}
      </Card>
      {editing !== null && <ArticleEditor id={editing} categories={categories.data?.items ?? []} onClose={() => setEditing(null)} />}
    </Space>
  );
}
