import { ComplaintCard, SuggestedArticles } from './TicketExtras.tsx';
import { BellOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Badge,
  Button,
  Card,
  Checkbox,
  Col,
  Descriptions,
  Dropdown,
  Empty,
  Input,
  InputNumber,
  List,
  Popover,
  Row,
  Segmented,
  Select,
  Space,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import { useEffect, useRef, useState } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { z } from 'zod';
import type { CustomerDetail, OrderPage } from '../../../../contracts/customers.ts';
import {
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  TICKET_TYPES,
  TICKET_VIEWS,
  type TicketView,
  type ServiceSettings,
  type ticketList,
} from '../../../../contracts/service.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime, formatMoney, formatNumber } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';
import { useCurrency } from '../../lib/store.ts';
import { InsightsPanel } from '../analytics/InsightsPanel.tsx';
import { ModulePanels } from '../customers/ModulePanels.tsx';

type TicketList = z.infer<typeof ticketList>;
type Agent = { id: number; name: string; role: string };

const STATUS_COLOR: Record<string, string> = {
  new: 'blue',
  open: 'orange',
  pending: 'gold',
  on_hold: 'purple',
  solved: 'green',
  closed: 'default',
};

/** Minutes as "2h 5m" (negative: overdue). */
function duration(t: TFunction, minutes: number) {
  const m = Math.abs(minutes);
  const text = m >= 60 ? t('service.hoursMinutes', { h: Math.floor(m / 60), m: m % 60 }) : t('service.minutes', { m });
  return minutes < 0 ? t('service.overdue', { time: text }) : text;
}

export const useAgents = () => useQuery({ queryKey: ['service', 'agents'], queryFn: () => api<{ items: Agent[] }>('/service/agents') });
export const useServiceSettings = () =>
  useQuery({ queryKey: ['service', 'settings'], queryFn: () => api<ServiceSettings>('/service/settings') });

/** Changes to many tickets at once: a status or an assignee for every ticket ticked. */
function BulkBar({ ids, agents, onDone }: { ids: number[]; agents: Agent[]; onDone: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const bulk = useMutation({
    mutationFn: (set: object) => api('/tickets/bulk', { method: 'POST', body: { ids, set } }),
    onSuccess: () => {
      message.success(t('service.bulkDone', { count: ids.length }));
      onDone();
    },
    onError: (e) => message.error(errorMessage(t, e)),
  });
  return (
    <Space wrap style={{ padding: 8 }} data-testid="bulk-bar">
      <span>{t('service.selected', { count: ids.length })}</span>
      <Select
        size="small"
        style={{ width: 120 }}
        placeholder={t('service.setStatus')}
        onChange={(status) => bulk.mutate({ status })}
        options={TICKET_STATUSES.map((s) => ({ value: s, label: t(`service.statuses.${s}`) }))}
      />
      <Select
        size="small"
        style={{ width: 120 }}
        placeholder={t('service.assignee')}
        onChange={(assigneeId) => bulk.mutate({ assigneeId })}
        options={agents.map((a) => ({ value: a.id, label: a.name }))}
      />
    </Space>
  );
}

function Queue({
  view,
  selected,
  onSelect,
  agents,
}: {
  view: string;
  selected: number | null;
  onSelect: (id: number) => void;
  agents: Agent[];
}) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const [q, setQ] = useState('');
  const [ticked, setTicked] = useState<number[]>([]);
  const list = useQuery({
    queryKey: ['tickets', view, q],
    queryFn: () => api<TicketList>('/tickets', { query: { view, q, limit: 100 } }),
    refetchInterval: 15_000,
  });
  return (
    <Card
      size="small"
      bodyStyle={{ padding: 0 }}
      title={<Input.Search allowClear size="small" placeholder={t('service.search')} onSearch={setQ} />}
    >
      {ticked.length > 0 && (
        <BulkBar
          ids={ticked}
          agents={agents}
          onDone={() => {
            setTicked([]);
            void client.invalidateQueries({ queryKey: ['tickets'] });
            void client.invalidateQueries({ queryKey: ['ticket'] });
          }}
        />
      )}
      <List
        data-testid="ticket-queue"
        loading={list.isLoading}
        dataSource={list.data?.items}
        locale={{ emptyText: <Empty description={t('service.noTickets')} /> }}
        style={{ maxHeight: '70vh', overflow: 'auto' }}
        renderItem={(x) => (
          <List.Item
            onClick={() => onSelect(x.id)}
            data-testid={`ticket-${x.id}`}
            style={{ cursor: 'pointer', padding: '8px 12px', background: x.id === selected ? '#e6f4ff' : undefined }}
          >
            <List.Item.Meta
              title={
                <Space size={4}>
                  <Checkbox
                    checked={ticked.includes(x.id)}
                    onClick={(e) => e.stopPropagation()}
                    onChange={(e) => setTicked((old) => (e.target.checked ? [...old, x.id] : old.filter((id) => id !== x.id)))}
                  />
                  {x.breached && <Badge status="error" />}
                  <Typography.Text ellipsis style={{ maxWidth: 180 }}>
                    {x.subject}
                  </Typography.Text>
                </Space>
              }
              description={
                <Space size={4} wrap>
                  <Tag color={STATUS_COLOR[x.status]}>{t(`service.statuses.${x.status}`)}</Tag>
                  <span>{x.customerName ?? `#${x.customerId ?? '—'}`}</span>
                  <span>· {formatDateTime(x.updatedAt, i18n.language)}</span>
                </Space>
              }
            />
          </List.Item>
        )}
      />
    </Card>
  );
}

/** The module panels the conversation's sidebar shows. */
const SIDEBAR_PANELS = ['returns', 'loyalty', 'tickets', 'campaigns', 'messages'];

/** The customer beside the conversation: who they are, what they are worth, their orders, returns, points, campaigns and tickets. */
function Sidebar({ customerId }: { customerId: number }) {
  const { t, i18n } = useTranslation();
  const currency = useCurrency();
  const detail = useQuery({
    queryKey: ['customer', String(customerId), false],
    queryFn: () => api<CustomerDetail>(`/customers/${customerId}`),
  });
  const orders = useQuery({
    queryKey: ['customer', String(customerId), 'orders', 'recent'],
    queryFn: () => api<OrderPage>(`/customers/${customerId}/orders`, { query: { limit: 5 } }),
  });
  if (detail.error) return <Alert type="error" message={errorMessage(t, detail.error)} />;
  if (!detail.data) return <Card loading />;
  const { customer: c, stats } = detail.data;
  const lng = i18n.language;
  return (
    <div data-testid="ticket-sidebar">
      <Card size="small" title={<Link to={`/customers/${c.id}`}>{c.name ?? t('customers.unnamed')}</Link>}>
        <Descriptions size="small" column={1}>
          <Descriptions.Item label={t('customers.phone')}>{c.phone ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('customers.email')}>{c.email ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('customers.orders')}>{formatNumber(stats.orders, lng)}</Descriptions.Item>
          <Descriptions.Item label={t('customers.netSpent')}>{formatMoney(stats.netSpent, currency, lng)}</Descriptions.Item>
        </Descriptions>
        <Typography.Text type="secondary">{t('service.recentOrders')}</Typography.Text>
        {orders.error && (
          <div>
            <Typography.Text type="danger">{errorMessage(t, orders.error)}</Typography.Text>
          </div>
        )}
        {orders.data?.items.map((o) => (
          <div key={o.id}>
            {`${o.externalId} · ${formatMoney(o.totalAmount, o.currency, lng)} · `}
            <Tag>{t(`orderStatus.${o.status}`, { defaultValue: o.status })}</Tag>
          </div>
        ))}
      </Card>
      <div style={{ marginTop: 12 }}>
        <InsightsPanel customerId={c.id} currency={currency} />
      </div>
      <ModulePanels customerId={c.id} only={SIDEBAR_PANELS} />
    </div>
  );
}

function Conversation({ id, agents }: { id: number; agents: Agent[] }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const settings = useServiceSettings();
  const [draft, setDraft] = useState('');
  const [kind, setKind] = useState<'reply' | 'note'>('reply');
  const box = useRef<HTMLTextAreaElement | null>(null);
  const ticket = useQuery({ queryKey: ['ticket', id], queryFn: () => api<TicketView>(`/tickets/${id}`), refetchInterval: 20_000 });
  const refresh = (t2?: TicketView) => {
    if (t2) client.setQueryData(['ticket', id], t2);
    void client.invalidateQueries({ queryKey: ['tickets'] });
  };
  const onError = (e: unknown) => message.error(errorMessage(t, e));
  const update = useMutation({
    mutationFn: (patch: object) => api<TicketView>(`/tickets/${id}`, { method: 'PATCH', body: patch }),
    onSuccess: refresh,
    onError,
  });
  const send = useMutation({
    mutationFn: (status?: string) => api<TicketView>(`/tickets/${id}/replies`, { method: 'POST', body: { body: draft, kind, status } }),
    onSuccess: (r) => {
      setDraft('');
      refresh(r);
    },
    onError,
  });
  const [mergeInto, setMergeInto] = useState<number | null>(null);
  const merge = useMutation({
    mutationFn: () => api<TicketView>(`/tickets/${id}/merge`, { method: 'POST', body: { into: mergeInto } }),
    onSuccess: (r) => {
      message.success(t('service.mergedInto', { id: r.id }));
      client.setQueryData(['ticket', r.id], r);
      void client.invalidateQueries({ queryKey: ['tickets'] });
      void client.invalidateQueries({ queryKey: ['ticket', id] });
    },
    onError,
  });
  const macro = useMutation({
    mutationFn: (key: string) => api<{ draft: string; ticket: TicketView }>(`/tickets/${id}/macros/${key}`, { method: 'POST' }),
    onSuccess: (r) => {
      setDraft(r.draft);
      setKind('reply');
      refresh(r.ticket);
    },
    onError,
  });
  // Keyboard: Ctrl/⌘+Enter sends, then Alt+S solves; R focuses the reply, N a note.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLInputElement;
      if ((e.ctrlKey || e.metaKey) && e.key === 'Enter' && draft.trim()) send.mutate(e.altKey ? 'solved' : undefined);
      else if (!typing && (e.key === 'r' || e.key === 'n')) {
        setKind(e.key === 'r' ? 'reply' : 'note');
        box.current?.focus();
        e.preventDefault();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });
  if (ticket.error) return <Alert type="error" message={errorMessage(t, ticket.error)} />;
  const x = ticket.data;
  if (!x) return <Card loading />;
  const lng = i18n.language;
  return (
    <Card
      size="small"
      data-testid="ticket-conversation"
      title={
        <Space wrap>
          <span>{`#${x.id} ${x.subject}`}</span>
          <Tag color={STATUS_COLOR[x.status]} data-testid="ticket-status">
            {t(`service.statuses.${x.status}`)}
          </Tag>
          <Tag>{t(`service.channels.${x.channel}`)}</Tag>
        </Space>
      }
    >
      {x.viewers.length > 0 && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 8 }}
          message={t('service.collision', { names: x.viewers.map((v) => v.name).join('、') })}
        />
      )}
      <Space wrap style={{ marginBottom: 8 }}>
        <Select
          size="small"
          style={{ width: 130 }}
          value={x.status}
          onChange={(status) => update.mutate({ status })}
          options={TICKET_STATUSES.map((s) => ({ value: s, label: t(`service.statuses.${s}`) }))}
          data-testid="ticket-status-select"
        />
        <Select
          size="small"
          style={{ width: 110 }}
          value={x.priority}
          onChange={(priority) => update.mutate({ priority })}
          options={TICKET_PRIORITIES.map((s) => ({ value: s, label: t(`service.priorities.${s}`) }))}
        />
        <Select
          size="small"
          style={{ width: 120 }}
          value={x.type}
          onChange={(type) => update.mutate({ type })}
          options={TICKET_TYPES.map((s) => ({ value: s, label: t(`service.types.${s}`) }))}
        />
        <Select
          size="small"
          allowClear
          style={{ width: 140 }}
          placeholder={t('service.assignee')}
          value={x.assigneeId ?? undefined}
          onChange={(assigneeId) => update.mutate({ assigneeId: assigneeId ?? null })}
          options={agents.map((a) => ({ value: a.id, label: a.name }))}
        />
        <Select
          size="small"
          mode="tags"
          style={{ minWidth: 160 }}
          placeholder={t('service.tags')}
          value={x.tags}
          onChange={(tags) => update.mutate({ tags })}
        />
      </Space>
      <Space wrap style={{ marginBottom: 8 }}>
        {x.sla.map((c) => (
          <Tooltip key={c.metric} title={c.dueAt ? formatDateTime(c.dueAt, lng) : undefined}>
            <Tag
              color={c.metAt ? (c.breachedAt ? 'red' : 'green') : c.breachedAt ? 'red' : c.paused ? 'default' : 'blue'}
              data-testid={`sla-${c.metric}`}
            >
              {`${t(`service.metrics.${c.metric}`)}: ${
                c.metAt ? t('service.met') : c.paused ? t('service.paused') : c.minutesLeft === null ? '—' : duration(t, c.minutesLeft)
              }`}
            </Tag>
          </Tooltip>
        ))}
        {x.csat?.rating && <Tag color="gold">{t('service.csatRated', { rating: x.csat.rating })}</Tag>}
      </Space>
      <div style={{ maxHeight: '45vh', overflow: 'auto', marginBottom: 8 }} data-testid="ticket-messages">
        {x.messages.map((m) => (
          <Card
            key={m.id}
            size="small"
            style={{ marginBottom: 6, background: m.author === 'note' ? '#fffbe6' : m.author === 'customer' ? '#fff' : '#f0f5ff' }}
          >
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {`${m.author === 'customer' ? (x.customerName ?? t('service.customer')) : (m.userName ?? t(`service.authors.${m.author}`))} · ${formatDateTime(m.createdAt, lng)}`}
              {m.author === 'note' && ` · ${t('service.internalNote')}`}
              {m.delivery && ` · ${t(`messaging.statuses.${m.delivery}`, { defaultValue: m.delivery })}`}
            </Typography.Text>
            <div style={{ whiteSpace: 'pre-wrap' }}>{m.body}</div>
            {m.attachments.map((a) => (
              <a key={a.id} href={`/api/v1/tickets/${x.id}/attachments/${a.id}`} style={{ marginRight: 8 }}>
                {`📎 ${a.fileName}`}
              </a>
            ))}
          </Card>
        ))}
      </div>
      <Segmented
        size="small"
        value={kind}
        onChange={(v) => setKind(v as 'reply' | 'note')}
        options={[
          { value: 'reply', label: t('service.reply') },
          { value: 'note', label: t('service.note') },
        ]}
      />
      <Input.TextArea
        ref={(el) => {
          box.current = el?.resizableTextArea?.textArea ?? null;
        }}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        autoSize={{ minRows: 3, maxRows: 10 }}
        placeholder={kind === 'note' ? t('service.notePlaceholder') : t('service.replyPlaceholder')}
        style={{ marginTop: 6, background: kind === 'note' ? '#fffbe6' : undefined }}
        data-testid="reply-box"
      />
      <Space style={{ marginTop: 8 }} wrap>
        <Button
          type="primary"
          disabled={!draft.trim()}
          loading={send.isPending}
          onClick={() => send.mutate(undefined)}
          data-testid="send-reply"
        >
          {kind === 'note' ? t('service.addNote') : t('service.send')}
        </Button>
        {kind === 'reply' && (
          <Button disabled={!draft.trim()} onClick={() => send.mutate('solved')} data-testid="send-solve">
            {t('service.sendAndSolve')}
          </Button>
        )}
        {(settings.data?.macros.length ?? 0) > 0 && (
          <Dropdown
            menu={{ items: settings.data?.macros.map((m) => ({ key: m.key, label: m.name })), onClick: ({ key }) => macro.mutate(key) }}
          >
            <Button data-testid="macros">{t('service.macros')}</Button>
          </Dropdown>
        )}
        <Space.Compact size="small">
          <InputNumber
            min={1}
            placeholder={t('service.mergeInto')}
            value={mergeInto}
            onChange={(v) => setMergeInto(v)}
            style={{ width: 130 }}
          />
          <Button disabled={!mergeInto} loading={merge.isPending} onClick={() => merge.mutate()} data-testid="merge">
            {t('service.merge')}
          </Button>
        </Space.Compact>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('service.shortcuts')}
        </Typography.Text>
      </Space>
      {ticket.data?.type === 'complaint' && <ComplaintCard ticket={ticket.data} settings={settings.data} onSaved={refresh} />}
      <SuggestedArticles ticketId={id} onInsert={(text) => setDraft((d) => (d ? `${d}\n${text}` : text))} />
    </Card>
  );
}

type DeskAlert = { id: number; ticketId: number; subject: string; action: string; at: string };
const ALERT_ACTIONS = ['sla.warning', 'sla.breached', 'note', 'assigned', 'updated'];

/** The caller's alerts (SLA warnings and breaches, mentions, assignments): a badge, and a list that opens the ticket. */
function AlertsButton({ onOpen }: { onOpen: (ticketId: number) => void }) {
  const { t, i18n } = useTranslation();
  const alerts = useQuery({
    queryKey: ['service', 'alerts'],
    queryFn: () => api<{ items: DeskAlert[] }>('/service/alerts'),
    refetchInterval: 30_000,
  });
  const items = alerts.data?.items ?? [];
  return (
    <Popover
      trigger="click"
      placement="bottomRight"
      content={
        <List
          size="small"
          style={{ width: 360, maxHeight: 400, overflow: 'auto' }}
          dataSource={items}
          locale={{ emptyText: t('service.noAlerts') }}
          renderItem={(a) => (
            <List.Item onClick={() => onOpen(a.ticketId)} style={{ cursor: 'pointer' }}>
              <List.Item.Meta
                title={`#${a.ticketId} ${a.subject}`}
                description={`${ALERT_ACTIONS.includes(a.action) ? t(`service.alertActions.${a.action.replace('.', '_')}`) : a.action} · ${formatDateTime(a.at, i18n.language)}`}
              />
            </List.Item>
          )}
        />
      }
    >
      <Badge count={items.length} size="small">
        <Button icon={<BellOutlined />} data-testid="service-alerts">
          {t('service.alerts')}
        </Button>
      </Badge>
    </Popover>
  );
}

/** The agent's screen: the queue of a view, the conversation, and the customer beside it. */
export function InboxTab() {
  const { t } = useTranslation();
  const { can } = useSession();
  const [view, setView] = useState<string>('all_open');
  const [selected, setSelected] = useState<number | null>(null);
  const agents = useAgents();
  const ticket = useQuery({
    queryKey: ['ticket', selected],
    queryFn: () => api<TicketView>(`/tickets/${selected}`),
    enabled: selected !== null,
  });
  return (
    <>
      <Space style={{ marginBottom: 12, width: '100%', justifyContent: 'space-between' }}>
        <Segmented
          value={view}
          onChange={(v) => setView(String(v))}
          options={TICKET_VIEWS.map((v) => ({ value: v, label: t(`service.views.${v}`) }))}
          data-testid="ticket-views"
        />
        <AlertsButton onOpen={setSelected} />
      </Space>
      <Row gutter={12}>
        <Col xs={24} lg={6}>
          <Queue view={view} selected={selected} onSelect={setSelected} agents={agents.data?.items ?? []} />
        </Col>
        <Col xs={24} lg={11}>
          {selected === null ? <Empty description={t('service.pick')} /> : <Conversation id={selected} agents={agents.data?.items ?? []} />}
        </Col>
        <Col xs={24} lg={7}>
          {ticket.data?.customerId && can('customers.read') ? <Sidebar customerId={ticket.data.customerId} /> : null}
        </Col>
      </Row>
    </>
  );
}
