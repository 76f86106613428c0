import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App,
  Button,
  Card,
  Descriptions,
  Drawer,
  Form,
  Input,
  InputNumber,
  Select,
  Space,
  Switch,
  Table,
  Tag,
  Timeline,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { z } from 'zod';
import {
  type MoveReturnBody,
  RETURN_MOVES,
  RETURN_STATES,
  type ReturnSettings,
  type ReturnView,
  type returnList,
} from '../../../../contracts/returns.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime, formatMoney } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';
import { RevealButton } from '../../ui/RevealButton.tsx';

type ReturnList = z.infer<typeof returnList>;

const STATE_COLOR: Record<string, string> = {
  requested: 'gold',
  approved: 'blue',
  in_transit: 'cyan',
  received: 'geekblue',
  inspected: 'purple',
  resolved: 'green',
  closed: 'default',
  rejected: 'red',
  cancelled: 'default',
};

export const ReturnState = ({ state }: { state: string }) => {
  const { t } = useTranslation();
  return <Tag color={STATE_COLOR[state]}>{t(`returns.states.${state}`)}</Tag>;
};

/** The moves a return offers in its state, each asking for what it needs (a reason, the parcel, each line's verdict). */
function Moves({ r, onMoved }: { r: ReturnView; onMoved: (r: ReturnView) => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [reason, setReason] = useState('');
  const [parcel, setParcel] = useState({ carrier: '', trackingNumber: '' });
  const [accepted, setAccepted] = useState<Record<number, number>>({});
  const [resolution, setResolution] = useState<'refund' | 'exchange' | 'store_credit'>('refund');
  const [amount, setAmount] = useState<number | null>(null);
  const move = useMutation({
    mutationFn: (body: MoveReturnBody) => api<ReturnView>(`/returns/${r.id}/moves`, { method: 'POST', body }),
    onSuccess: (x) => {
      onMoved(x);
      message.success(t('returns.moved', { state: t(`returns.states.${x.state}`) }));
    },
    onError: (err) => message.error(errorMessage(t, err)),
  });
  const can = (m: keyof typeof RETURN_MOVES) => (RETURN_MOVES[m] as readonly string[]).includes(r.state);
  const resolvable = r.state === 'inspected' || (r.state === 'approved' && r.refundOnly);
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="return-moves">
      {can('approve') && (
        <Space wrap>
          <Button type="primary" onClick={() => move.mutate({ move: 'approve' })} data-testid="return-approve">
            {t('returns.moves.approve')}
          </Button>
          <Input
            placeholder={t('returns.rejectReason')}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            style={{ width: 200 }}
          />
          <Button danger disabled={!reason.trim()} onClick={() => move.mutate({ move: 'reject', reason })}>
            {t('returns.moves.reject')}
          </Button>
        </Space>
      )}
      {can('ship') && !r.refundOnly && (
        <Space wrap>
          <Input
            placeholder={t('returns.carrier')}
            value={parcel.carrier}
            onChange={(e) => setParcel({ ...parcel, carrier: e.target.value })}
            style={{ width: 120 }}
          />
          <Input
            placeholder={t('returns.tracking')}
            value={parcel.trackingNumber}
            onChange={(e) => setParcel({ ...parcel, trackingNumber: e.target.value })}
            style={{ width: 160 }}
          />
          <Button disabled={!parcel.carrier || parcel.trackingNumber.length < 3} onClick={() => move.mutate({ move: 'ship', ...parcel })}>
            {t('returns.moves.ship')}
          </Button>
          <Button onClick={() => move.mutate({ move: 'receive' })} data-testid="return-receive">
            {t('returns.moves.receive')}
          </Button>
        </Space>
      )}
      {can('inspect') && (
        <Card size="small" title={t('returns.inspection')}>
          {r.lines.map((l) => (
            <Space key={l.id} style={{ display: 'flex', marginBottom: 6 }}>
              <span>{`${l.name} × ${l.quantity}`}</span>
              <InputNumber
                min={0}
                max={l.quantity}
                value={accepted[l.id] ?? l.quantity}
                onChange={(v) => setAccepted({ ...accepted, [l.id]: Number(v ?? 0) })}
                addonAfter={t('returns.accepted')}
              />
            </Space>
          ))}
          <Button
            type="primary"
            onClick={() =>
              move.mutate({
                move: 'inspect',
                lines: r.lines.map((l) => ({
                  lineId: l.id,
                  acceptedQuantity: accepted[l.id] ?? l.quantity,
                  refusalReason: reason || undefined,
                })),
              })
            }
            data-testid="return-inspect"
          >
            {t('returns.moves.inspect')}
          </Button>
        </Card>
      )}
      {resolvable && (
        <Space wrap>
          <Select
            value={resolution}
            onChange={setResolution}
            style={{ width: 160 }}
            options={(['refund', 'exchange', 'store_credit'] as const).map((x) => ({ value: x, label: t(`returns.resolutions.${x}`) }))}
          />
          {resolution === 'refund' && (
            <InputNumber
              min={0}
              placeholder={t('returns.amountDefault')}
              value={amount}
              onChange={(v) => setAmount(v)}
              style={{ width: 160 }}
            />
          )}
          <Button
            type="primary"
            onClick={() => move.mutate({ move: 'resolve', resolution, amount: amount === null ? undefined : Math.round(amount * 100) })}
            data-testid="return-resolve"
          >
            {t('returns.moves.resolve')}
          </Button>
        </Space>
      )}
      <Space>
        {can('close') && <Button onClick={() => move.mutate({ move: 'close' })}>{t('returns.moves.close')}</Button>}
        {can('cancel') && <Button onClick={() => move.mutate({ move: 'cancel' })}>{t('returns.moves.cancel')}</Button>}
      </Space>
    </Space>
  );
}

/** One return: the order, lines and inspection, photos, how it ended, its history and the moves left. */
export function ReturnDrawer({ id, onClose }: { id: number | null; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const { can } = useSession();
  const lng = i18n.language;
  const [reveal, setReveal] = useState(false);
  const r = useQuery({
    queryKey: ['return', id, reveal],
    queryFn: () => api<ReturnView>(`/returns/${id}`, { query: { reveal: reveal ? 'true' : undefined } }),
    enabled: id !== null,
  });
  const x = r.data;
  return (
    <Drawer open={id !== null} onClose={onClose} width={560} title={x ? `${t('returns.return')} #${x.id}` : ''} data-testid="return-drawer">
      {x && (
        <Space direction="vertical" style={{ width: '100%' }}>
          <Descriptions size="small" column={1} bordered>
            <Descriptions.Item label={t('returns.state')}>
              <ReturnState state={x.state} />
              {x.autoApproved && <Tag>{t('returns.autoApproved')}</Tag>}
              {x.refundOnly && <Tag>{t('returns.refundOnly')}</Tag>}
            </Descriptions.Item>
            <Descriptions.Item label={t('returns.customer')}>
              <Link to={`/customers/${x.customerId}`}>{x.customerName ?? `#${x.customerId}`}</Link>
            </Descriptions.Item>
            <Descriptions.Item label={t('returns.order')}>{`${x.orderExternalId} · ${x.channel}`}</Descriptions.Item>
            <Descriptions.Item label={t('returns.origin')}>{x.origin}</Descriptions.Item>
            <Descriptions.Item label={t('returns.reason')}>{x.reason}</Descriptions.Item>
            {x.note && (
              <Descriptions.Item label={t('returns.note')}>
                {x.note} <RevealButton shown={reveal} onReveal={() => setReveal(true)} testId="return-reveal" />
              </Descriptions.Item>
            )}
            {x.trackingNumber && (
              <Descriptions.Item label={t('returns.tracking')}>{`${x.carrier ?? ''} ${x.trackingNumber}`}</Descriptions.Item>
            )}
            <Descriptions.Item label={t('returns.value')}>{formatMoney(x.value, x.currency, lng)}</Descriptions.Item>
            {x.resolution && (
              <Descriptions.Item label={t('returns.resolution')}>
                {t(`returns.resolutions.${x.resolution}`)}
                {x.refundAmount !== null && ` · ${formatMoney(x.refundAmount, x.currency, lng)}`}
                {x.creditPoints ? ` · ${x.creditPoints} ${t('returns.points')}` : ''}
                {x.creditCoupon ? ` · ${x.creditCoupon}` : ''}
              </Descriptions.Item>
            )}
            <Descriptions.Item label={t('returns.page')}>
              <Typography.Text copyable={{ text: x.pageUrl }}>{t('returns.pageLink')}</Typography.Text>
            </Descriptions.Item>
          </Descriptions>
          <Table
            size="small"
            pagination={false}
            rowKey="id"
            dataSource={x.lines}
            columns={[
              { title: t('returns.item'), render: (_, l) => `${l.name} (${l.sku})` },
              { title: t('returns.quantity'), dataIndex: 'quantity', align: 'right' },
              {
                title: t('returns.accepted'),
                render: (_, l) => (l.outcome ? `${l.acceptedQuantity} · ${t(`returns.outcomes.${l.outcome}`)}` : '—'),
              },
              { title: t('returns.refusal'), dataIndex: 'refusalReason' },
            ]}
          />
          {x.photos.length > 0 && (
            <Space wrap>
              {x.photos.map((p) => (
                <a key={p.id} href={`/api/v1/returns/${x.id}/photos/${p.id}`} target="_blank" rel="noreferrer">
                  <img src={`/api/v1/returns/${x.id}/photos/${p.id}`} alt={p.fileName} style={{ height: 72, borderRadius: 4 }} />
                </a>
              ))}
            </Space>
          )}
          {can('service.write') && (
            <Moves
              r={x}
              onMoved={(n) => {
                // The move answers with the note masked; a revealed note stays revealed (a move does not change it).
                client.setQueryData(['return', id, reveal], reveal ? { ...n, note: x.note } : n);
                void client.invalidateQueries({ queryKey: ['returns'] });
              }}
            />
          )}
          <Timeline
            items={x.history.map((h) => ({
              children: `${formatDateTime(h.at, lng)} · ${t(`returns.states.${h.to}`)} · ${h.actor}${h.note ? ` · ${h.note}` : ''}`,
            }))}
          />
        </Space>
      )}
    </Drawer>
  );
}

/** The store's return rules: the window, auto-approval and the store-credit rate (reasons are kept through the API). */
function RulesCard() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const settings = useQuery({ queryKey: ['returns', 'settings'], queryFn: () => api<ReturnSettings>('/returns/settings') });
  const save = useMutation({
    mutationFn: (s: ReturnSettings) => api<ReturnSettings>('/returns/settings', { method: 'PUT', body: s }),
    onSuccess: () => message.success(t('returns.saved')),
    onError: (err) => message.error(errorMessage(t, err)),
  });
  const s = settings.data;
  if (!s) return null;
  const a = s.autoApprove;
  return (
    <Card size="small" title={t('returns.rules')}>
      <Form
        layout="inline"
        initialValues={{ windowDays: s.windowDays, ...a, maxValue: a.maxValue / 100, creditPointsPerUnit: s.creditPointsPerUnit }}
        onFinish={(v) =>
          save.mutate({
            ...s,
            windowDays: v.windowDays,
            creditPointsPerUnit: v.creditPointsPerUnit,
            autoApprove: {
              ...a,
              enabled: v.enabled,
              withinDays: v.withinDays,
              maxValue: Math.round(v.maxValue * 100),
              flaggedTag: v.flaggedTag,
            },
          })
        }
      >
        <Form.Item name="windowDays" label={t('returns.windowDays')}>
          <InputNumber min={1} max={365} />
        </Form.Item>
        <Form.Item name="enabled" label={t('returns.autoApprove')} valuePropName="checked">
          <Switch />
        </Form.Item>
        <Form.Item name="withinDays" label={t('returns.withinDays')}>
          <InputNumber min={0} max={365} />
        </Form.Item>
        <Form.Item name="maxValue" label={t('returns.maxValue')}>
          <InputNumber min={0} />
        </Form.Item>
        <Form.Item name="flaggedTag" label={t('returns.flaggedTag')}>
          <Input style={{ width: 140 }} />
        </Form.Item>
        <Form.Item name="creditPointsPerUnit" label={t('returns.creditRate')}>
          <InputNumber min={0} />
        </Form.Item>
        <Button htmlType="submit" disabled={!can('settings.manage')} loading={save.isPending}>
          {t('common.save')}
        </Button>
      </Form>
    </Card>
  );
}

/** Returns and exchanges: Patron's own requests and the marketplaces' refunds, by state, with each one in a drawer. */
export function ReturnsTab() {
  const { t, i18n } = useTranslation();
  const [state, setState] = useState<string | undefined>(undefined);
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<number | null>(null);
  const list = useQuery({
    queryKey: ['returns', state, page],
    queryFn: () =>
      api<ReturnList>('/returns', { query: { state, open: state === undefined ? 'true' : undefined, limit: 20, offset: (page - 1) * 20 } }),
  });
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="returns-tab">
      <Select
        allowClear
        placeholder={t('returns.openOnes')}
        style={{ width: 220 }}
        value={state}
        onChange={(v) => {
          setState(v);
          setPage(1);
        }}
        options={RETURN_STATES.map((s) => ({ value: s, label: t(`returns.states.${s}`) }))}
      />
      <Table
        size="small"
        rowKey="id"
        loading={list.isLoading}
        dataSource={list.data?.items}
        onRow={(r) => ({ onClick: () => setOpen(r.id), style: { cursor: 'pointer' } })}
        pagination={{ current: page, pageSize: 20, total: list.data?.total, onChange: setPage, showSizeChanger: false }}
        columns={[
          { title: '#', dataIndex: 'id' },
          { title: t('returns.customer'), render: (_, r) => r.customerName ?? `#${r.customerId}` },
          { title: t('returns.order'), dataIndex: 'orderExternalId' },
          { title: t('returns.origin'), dataIndex: 'origin' },
          { title: t('returns.state'), render: (_, r) => <ReturnState state={r.state} /> },
          { title: t('returns.reason'), dataIndex: 'reason' },
          { title: t('returns.value'), align: 'right', render: (_, r) => formatMoney(r.value, r.currency, i18n.language) },
          { title: t('returns.updated'), render: (_, r) => formatDateTime(r.updatedAt, i18n.language) },
        ]}
      />
      <RulesCard />
      <ReturnDrawer id={open} onClose={() => setOpen(null)} />
    </Space>
  );
}
