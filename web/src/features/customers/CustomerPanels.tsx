import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App,
  Button,
  Card,
  Empty,
  Form,
  Input,
  InputNumber,
  List,
  Modal,
  Popconfirm,
  Radio,
  Select,
  Space,
  Switch,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import type { z } from 'zod';
import type { attributeList, CustomerDetail, duplicateList, mergeFields, mergeHistory } from '../../../../contracts/customers.ts';
import type { consentBody, consentState } from '../../../../contracts/privacy.ts';
import { CONSENT_CHANNELS, CONSENT_PURPOSES } from '../../../../contracts/segments.ts';
import { api, downloadFrom } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';

/** Panels of the 360° page beyond the profile: attributes, addresses, consents, duplicates and merges. */

type Definition = z.infer<typeof attributeList>['items'][number];
type Value = string | number | boolean | null;

function useOnError() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  return (e: unknown) => message.error(errorMessage(t, e));
}

function AttributeInput({ def, value, onChange }: { def: Definition; value: Value; onChange: (v: Value) => void }) {
  if (def.type === 'boolean') return <Switch checked={value === true} onChange={onChange} />;
  if (def.type === 'number')
    return <InputNumber value={typeof value === 'number' ? value : null} onChange={(v) => onChange(v)} style={{ width: 200 }} />;
  if (def.type === 'enum')
    return (
      <Select
        allowClear
        value={value ?? undefined}
        onChange={(v) => onChange(v ?? null)}
        options={def.options.map((o) => ({ value: o, label: o }))}
        style={{ width: 200 }}
      />
    );
  return (
    <Input
      type={def.type === 'date' ? 'date' : 'text'}
      value={typeof value === 'string' ? value : ''}
      onChange={(e) => onChange(e.target.value || null)}
      style={{ width: 200 }}
    />
  );
}

export function AttributesCard({ id, values }: { id: number; values: Record<string, unknown> }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const client = useQueryClient();
  const onError = useOnError();
  const [draft, setDraft] = useState<Record<string, Value> | null>(null);
  const defs = useQuery({ queryKey: ['attributes'], queryFn: () => api<{ items: Definition[] }>('/attributes') });
  const save = useMutation({
    mutationFn: (body: Record<string, Value>) => api(`/customers/${id}/attributes`, { method: 'PATCH', body }),
    onSuccess: () => {
      setDraft(null);
      client.invalidateQueries({ queryKey: ['customer', String(id)] });
    },
    onError,
  });
  const items = defs.data?.items ?? [];
  const show = (v: unknown) =>
    v === null || v === undefined || v === '' ? '—' : typeof v === 'boolean' ? t(v ? 'common.yes' : 'common.no') : String(v);
  const editing = draft !== null;
  return (
    <Card
      title={t('customers.attributesTitle')}
      style={{ marginTop: 16 }}
      loading={defs.isLoading}
      extra={
        can('customers.write') && items.length > 0 ? (
          editing ? (
            <Space>
              <Button size="small" onClick={() => setDraft(null)}>
                {t('common.cancel')}
              </Button>
              <Button size="small" type="primary" loading={save.isPending} onClick={() => save.mutate(draft)}>
                {t('common.save')}
              </Button>
            </Space>
          ) : (
            <Button
              size="small"
              onClick={() => setDraft(Object.fromEntries(items.map((d) => [d.key, (values[d.key] ?? null) as Value])))}
              data-testid="edit-attributes"
            >
              {t('common.edit')}
            </Button>
          )
        ) : null
      }
    >
      {items.length === 0 ? (
        <Typography.Text type="secondary">{t('customers.noAttributes')}</Typography.Text>
      ) : (
        <List
          size="small"
          dataSource={items}
          renderItem={(d) => (
            <List.Item>
              <Typography.Text>{d.label}</Typography.Text>
              {editing ? (
                <AttributeInput def={d} value={draft[d.key] ?? null} onChange={(v) => setDraft({ ...draft, [d.key]: v })} />
              ) : (
                <span>{show(values[d.key])}</span>
              )}
            </List.Item>
          )}
        />
      )}
    </Card>
  );
}

export function AddressesCard({ addresses }: { addresses: CustomerDetail['addresses'] }) {
  const { t, i18n } = useTranslation();
  return (
    <Card title={t('customers.addressesTitle')} style={{ marginTop: 16 }}>
      {addresses.length === 0 ? (
        <Empty description={t('customers.noAddresses')} />
      ) : (
        <List
          size="small"
          dataSource={addresses}
          renderItem={(a) => (
            <List.Item>
              <span>{[a.province, a.city, a.district, a.line].filter(Boolean).join(' ')}</span>
              <Typography.Text type="secondary">{`${a.source} · ${formatDateTime(a.lastSeenAt, i18n.language)}`}</Typography.Text>
            </List.Item>
          )}
        />
      )}
    </Card>
  );
}

type ConsentInput = z.input<typeof consentBody>;

/** Record a consent, refusal or withdrawal with where it was given and its proof (appended to the ledger). */
function RecordConsent({ id }: { id: number }) {
  const { t } = useTranslation();
  const onError = useOnError();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<ConsentInput>();
  const record = useMutation({
    mutationFn: (body: ConsentInput) => api(`/customers/${id}/consents`, { method: 'POST', body }),
    onSuccess: () => {
      setOpen(false);
      form.resetFields();
      client.invalidateQueries({ queryKey: ['consents', id] });
    },
    onError,
  });
  return (
    <>
      <Button size="small" onClick={() => setOpen(true)} data-testid="record-consent">
        {t('consents.record')}
      </Button>
      <Modal
        open={open}
        title={t('consents.record')}
        onCancel={() => setOpen(false)}
        onOk={() => form.submit()}
        confirmLoading={record.isPending}
      >
        <Form
          form={form}
          layout="vertical"
          onFinish={(v) => record.mutate(v)}
          initialValues={{ channel: 'sms', purpose: 'marketing', status: 'granted', source: t('consents.defaultSource') }}
        >
          <Form.Item name="channel" label={t('consents.channel')}>
            <Select options={CONSENT_CHANNELS.map((c) => ({ value: c, label: t(`segments.consentChannels.${c}`) }))} />
          </Form.Item>
          <Form.Item name="purpose" label={t('consents.purpose')}>
            <Select options={CONSENT_PURPOSES.map((p) => ({ value: p, label: t(`segments.purposes.${p}`) }))} />
          </Form.Item>
          <Form.Item name="status" label={t('consents.status')}>
            <Radio.Group
              options={(['granted', 'withdrawn', 'denied'] as const).map((s) => ({ value: s, label: t(`segments.consentStatuses.${s}`) }))}
            />
          </Form.Item>
          <Form.Item name="source" label={t('consents.source')} rules={[{ required: true, message: t('login.required') }]}>
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item name="evidence" label={t('consents.evidence')} extra={t('consents.evidenceHelp')}>
            <Input.TextArea maxLength={2000} rows={3} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

export function ConsentsCard({ id }: { id: number }) {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const consents = useQuery({ queryKey: ['consents', id], queryFn: () => api<z.infer<typeof consentState>>(`/customers/${id}/consents`) });
  const color: Record<string, string> = { granted: 'green', withdrawn: 'orange', denied: 'red' };
  return (
    <Card
      title={t('customers.consentsTitle')}
      style={{ marginTop: 16 }}
      loading={consents.isLoading}
      extra={can('customers.write') && <RecordConsent id={id} />}
    >
      {consents.data?.current.length ? (
        <List
          size="small"
          dataSource={consents.data.current}
          renderItem={(c) => (
            <List.Item>
              <Space direction="vertical" size={0}>
                <span>{`${t(`segments.consentChannels.${c.channel}`)} · ${t(`segments.purposes.${c.purpose}`)}`}</span>
                <Typography.Text type="secondary">{`${c.source} · ${formatDateTime(c.recordedAt, i18n.language)}`}</Typography.Text>
              </Space>
              <Tag color={color[c.status]}>{t(`segments.consentStatuses.${c.status}`)}</Tag>
            </List.Item>
          )}
        />
      ) : (
        <Empty description={t('customers.noConsents')} />
      )}
    </Card>
  );
}

type Field = (typeof mergeFields)[number];
const FIELDS: Field[] = ['name', 'gender', 'birthday', 'province', 'city', 'district', 'locale', 'time_zone', 'contact', 'address'];

/** What a merge field shows for one person. */
function fieldValue(d: CustomerDetail, f: Field): string {
  const c = d.customer;
  const values: Record<Field, unknown> = {
    name: c.name,
    gender: c.gender,
    birthday: c.birthday,
    province: c.province,
    city: c.city,
    district: c.district,
    locale: c.locale,
    time_zone: c.timeZone,
    contact: [c.phone, c.email].filter(Boolean).join(' · '),
    address: c.address,
  };
  const v = values[f];
  return v === null || v === undefined || v === '' ? '—' : String(v);
}

export function MergeModal({ survivor, mergedId, onClose }: { survivor: CustomerDetail; mergedId: number; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const onError = useOnError();
  const [choice, setChoice] = useState<Partial<Record<Field, 'survivor' | 'merged'>>>({});
  const other = useQuery({ queryKey: ['customer', String(mergedId), false], queryFn: () => api<CustomerDetail>(`/customers/${mergedId}`) });
  const merge = useMutation({
    mutationFn: () => api(`/customers/${survivor.customer.id}/merge`, { method: 'POST', body: { mergedId, fields: choice } }),
    onSuccess: () => {
      message.success(t('customers.merged'));
      // The duplicate is now hidden (its page answers "merged"): forget it rather than refetch it.
      client.removeQueries({ queryKey: ['customer', String(mergedId)] });
      client.invalidateQueries({ queryKey: ['customer', String(survivor.customer.id)] });
      client.invalidateQueries({ queryKey: ['duplicates'] });
      client.invalidateQueries({ queryKey: ['merges'] });
      onClose();
    },
    onError,
  });
  return (
    <Modal
      open
      width={760}
      title={t('customers.mergeTitle', { id: mergedId })}
      onCancel={onClose}
      onOk={() => merge.mutate()}
      okText={t('customers.merge')}
      okButtonProps={{ loading: merge.isPending, disabled: !other.data, id: 'confirm-merge' }}
    >
      <Typography.Paragraph type="secondary">{t('customers.mergeHelp')}</Typography.Paragraph>
      {other.data && (
        <Table
          rowKey="field"
          size="small"
          pagination={false}
          dataSource={FIELDS.map((field) => ({ field }))}
          columns={[
            { title: t('customers.mergeField'), render: (_, r) => t(`customers.mergeFields.${r.field}`) },
            {
              title: t('customers.keepFrom'),
              render: (_, r) => (
                <Radio.Group value={choice[r.field] ?? 'survivor'} onChange={(e) => setChoice({ ...choice, [r.field]: e.target.value })}>
                  <Radio value="survivor">{fieldValue(survivor, r.field)}</Radio>
                  <Radio value="merged">{fieldValue(other.data, r.field)}</Radio>
                </Radio.Group>
              ),
            },
          ]}
        />
      )}
    </Modal>
  );
}

/** Likely duplicates with a field-by-field merge, and the merge history with undo. */
export function DuplicatesCard({ detail }: { detail: CustomerDetail }) {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const navigate = useNavigate();
  const client = useQueryClient();
  const onError = useOnError();
  const id = detail.customer.id;
  const [merging, setMerging] = useState<number | null>(null);
  const duplicates = useQuery({
    queryKey: ['duplicates', id],
    queryFn: () => api<z.infer<typeof duplicateList>>(`/customers/${id}/duplicates`),
  });
  const merges = useQuery({ queryKey: ['merges', id], queryFn: () => api<z.infer<typeof mergeHistory>>(`/customers/${id}/merges`) });
  const undo = useMutation({
    mutationFn: (mergeId: number) => api(`/customer-merges/${mergeId}/undo`, { method: 'POST' }),
    onSuccess: () => {
      client.invalidateQueries({ queryKey: ['customer'] });
      client.invalidateQueries({ queryKey: ['duplicates'] });
      client.invalidateQueries({ queryKey: ['merges'] });
    },
    onError,
  });
  const editable = can('customers.write');
  return (
    <Card title={t('customers.duplicatesTitle')} style={{ marginTop: 16 }} loading={duplicates.isLoading}>
      {duplicates.data?.items.length ? (
        <List
          size="small"
          dataSource={duplicates.data.items}
          renderItem={(d) => (
            <List.Item
              actions={[
                <Button key="open" size="small" type="link" onClick={() => navigate(`/customers/${d.id}`)}>
                  {t('customers.open')}
                </Button>,
                editable ? (
                  <Button key="merge" size="small" onClick={() => setMerging(d.id)} data-testid={`merge-${d.id}`}>
                    {t('customers.merge')}
                  </Button>
                ) : null,
              ]}
            >
              <span>{`${d.name ?? t('customers.unnamed')} · ${d.city ?? '—'}`}</span>
              <Tag>{t('customers.similarity', { score: d.score })}</Tag>
            </List.Item>
          )}
        />
      ) : (
        <Typography.Text type="secondary">{t('customers.noDuplicates')}</Typography.Text>
      )}
      {merges.data?.items.length ? (
        <>
          <Typography.Title level={5} style={{ marginTop: 16 }}>
            {t('customers.mergeHistory')}
          </Typography.Title>
          <List
            size="small"
            dataSource={merges.data.items}
            renderItem={(m) => (
              <List.Item
                actions={[
                  editable && !m.undoneAt && m.survivorId === id ? (
                    <Popconfirm key="undo" title={t('customers.undoMergeConfirm')} onConfirm={() => undo.mutate(m.id)}>
                      <Button size="small" data-testid={`undo-merge-${m.id}`}>
                        {t('customers.undoMerge')}
                      </Button>
                    </Popconfirm>
                  ) : null,
                ]}
              >
                <span>
                  {t('customers.mergeEntry', {
                    merged: m.mergedId,
                    survivor: m.survivorId,
                    actor: m.actor,
                    at: formatDateTime(m.createdAt, i18n.language),
                  })}
                </span>
                {m.undoneAt && <Tag>{t('customers.mergeUndone')}</Tag>}
              </List.Item>
            )}
          />
        </>
      ) : null}
      {merging !== null && <MergeModal survivor={detail} mergedId={merging} onClose={() => setMerging(null)} />}
    </Card>
  );
}

/** A data subject's rights from the 360 page: a copy of everything (a .tar.gz) and erasure, both audited. */
export function PrivacyActions({ id }: { id: number }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const onError = useOnError();
  const navigate = useNavigate();
  const download = () => downloadFrom(`/customers/${id}/privacy/export`, `customer-${id}.tar.gz`, { method: 'POST' }).catch(onError);
  const erase = useMutation({
    mutationFn: () => api(`/customers/${id}/privacy/erase`, { method: 'POST' }),
    onSuccess: () => {
      message.success(t('privacy.erased'));
      navigate('/customers');
    },
    onError,
  });
  return (
    <Space>
      <Button size="small" onClick={download}>
        {t('privacy.exportPerson')}
      </Button>
      <Popconfirm
        title={t('privacy.eraseConfirm')}
        onConfirm={() => erase.mutate()}
        okText={t('common.confirm')}
        cancelText={t('common.cancel')}
        okButtonProps={{ danger: true }}
      >
        <Button size="small" danger loading={erase.isPending}>
          {t('privacy.erasePerson')}
        </Button>
      </Popconfirm>
    </Space>
  );
}
