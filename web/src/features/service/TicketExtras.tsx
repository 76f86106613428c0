import { useMutation, useQuery } from '@tanstack/react-query';
import { App, Button, Card, Form, Input, InputNumber, List, Select, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { SearchHit } from '../../../../contracts/knowledge.ts';
import { COMPENSATION_KINDS, COMPLAINT_SEVERITIES, type ServiceSettings, type TicketView } from '../../../../contracts/service.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';

/** Articles for the ticket's question; a public one's link goes into the reply with one click. */
export function SuggestedArticles({ ticketId, onInsert }: { ticketId: number; onInsert: (text: string) => void }) {
  const { t } = useTranslation();
  const hits = useQuery({
    queryKey: ['kb-suggest', ticketId],
    queryFn: () => api<{ items: SearchHit[] }>('/knowledge/suggest', { query: { ticketId } }),
  });
  const items = hits.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <Card size="small" title={t('knowledge.suggested')} style={{ marginTop: 12 }} data-testid="suggested-articles">
      <List
        size="small"
        dataSource={items}
        renderItem={(h) => (
          <List.Item
            actions={
              h.url
                ? [
                    <Button key="insert" size="small" onClick={() => onInsert(`${h.title}: ${h.url}`)} data-testid="insert-article">
                      {t('knowledge.insertLink')}
                    </Button>,
                  ]
                : []
            }
          >
            <List.Item.Meta
              title={
                <Space>
                  {h.title}
                  <Tag>{`${Math.round(h.confidence * 100)}%`}</Tag>
                  {h.visibility === 'internal' && <Tag>{t('knowledge.visibilities.internal')}</Tag>}
                </Space>
              }
              description={<Typography.Text type="secondary">{h.snippet}</Typography.Text>}
            />
          </List.Item>
        )}
      />
    </Card>
  );
}

type ComplaintForm = NonNullable<TicketView['complaint']>;

/** A complaint's particulars: severity, category, products, then the resolution and what the customer was given. */
export function ComplaintCard({
  ticket,
  settings,
  onSaved,
}: {
  ticket: TicketView;
  settings: ServiceSettings | undefined;
  onSaved: (t: TicketView) => void;
}) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const save = useMutation({
    mutationFn: (body: Omit<ComplaintForm, 'escalatedAt'>) => api<TicketView>(`/tickets/${ticket.id}/complaint`, { method: 'PUT', body }),
    onSuccess: (x) => {
      onSaved(x);
      message.success(t('service.complaintSaved'));
    },
    onError: (err) => message.error(errorMessage(t, err)),
  });
  const c = ticket.complaint;
  const lang = i18n.language === 'en' ? 'en' : 'zh-CN';
  return (
    <Card
      size="small"
      style={{ marginTop: 12 }}
      title={
        <Space>
          {t('service.complaint')}
          {c?.escalatedAt && <Tag color="red">{t('service.escalated')}</Tag>}
        </Space>
      }
      data-testid="complaint-card"
    >
      <Form
        layout="vertical"
        key={`${ticket.id}-${c?.category ?? ''}`}
        initialValues={{
          severity: c?.severity ?? 'major',
          category: c?.category ?? settings?.complaintCategories[0]?.key,
          skus: c?.skus ?? [],
          resolution: c?.resolution ?? '',
          compensationKind: c?.compensationKind ?? null,
          compensationAmount: c?.compensationAmount == null ? null : c.compensationAmount / 100,
        }}
        onFinish={(v) =>
          save.mutate({
            severity: v.severity,
            category: v.category,
            skus: v.skus ?? [],
            resolution: v.resolution || null,
            compensationKind: v.compensationKind ?? null,
            compensationAmount: v.compensationAmount == null ? null : Math.round(v.compensationAmount * 100),
          })
        }
      >
        <Space wrap>
          <Form.Item name="severity" label={t('service.severity')}>
            <Select style={{ width: 110 }} options={COMPLAINT_SEVERITIES.map((s) => ({ value: s, label: t(`service.severities.${s}`) }))} />
          </Form.Item>
          <Form.Item name="category" label={t('service.complaintCategory')}>
            <Select style={{ width: 150 }} options={settings?.complaintCategories.map((x) => ({ value: x.key, label: x.names[lang] }))} />
          </Form.Item>
          <Form.Item name="skus" label={t('service.products')}>
            <Select mode="tags" style={{ minWidth: 160 }} />
          </Form.Item>
        </Space>
        <Form.Item name="resolution" label={t('service.resolution')}>
          <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} />
        </Form.Item>
        <Space wrap>
          <Form.Item name="compensationKind" label={t('service.compensation')}>
            <Select
              allowClear
              style={{ width: 130 }}
              options={COMPENSATION_KINDS.map((k) => ({ value: k, label: t(`service.compensations.${k}`) }))}
            />
          </Form.Item>
          <Form.Item name="compensationAmount" label={t('service.compensationAmount')}>
            <InputNumber min={0} />
          </Form.Item>
          <Button htmlType="submit" loading={save.isPending} style={{ marginTop: 30 }} data-testid="save-complaint">
            {t('common.save')}
          </Button>
        </Space>
      </Form>
    </Card>
  );
}
