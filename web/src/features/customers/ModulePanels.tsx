import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Form, Input, InputNumber, Modal, Space, Table } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CustomerPanelBody, CustomerPanelDefinition } from '../../../../contracts/customers.ts';
import type { Permission } from '../../../../contracts/permissions.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime, formatMoney } from '../../lib/format.ts';
import { localized } from '../../lib/labels.ts';
import { useSession } from '../../lib/session.ts';
import { useCurrency } from '../../lib/store.ts';

type PanelAction = NonNullable<CustomerPanelBody['actions']>[number];

/** A panel's action: a form of its fields, POSTed to its path; the 360 reloads after it. */
function ActionButton({ action }: { action: PanelAction }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<Record<string, string | number>>();
  const run = useMutation({
    mutationFn: (values: Record<string, string | number>) => api(action.path, { method: 'POST', body: { ...action.body, ...values } }),
    onSuccess: () => {
      message.success(t('customers.panelActionDone'));
      setOpen(false);
      form.resetFields();
      client.invalidateQueries({ queryKey: ['customer'] });
    },
    onError: (e) => message.error(errorMessage(t, e)),
  });
  const label = localized(action.label, i18n.language);
  if (action.fields.length === 0)
    return (
      <Button size="small" onClick={() => run.mutate({})} loading={run.isPending} data-testid={`action-${action.key}`}>
        {label}
      </Button>
    );
  return (
    <>
      <Button size="small" onClick={() => setOpen(true)} data-testid={`action-${action.key}`}>
        {label}
      </Button>
      <Modal
        open={open}
        title={label}
        onCancel={() => setOpen(false)}
        onOk={() => form.submit()}
        confirmLoading={run.isPending}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" onFinish={(v) => run.mutate(v)} data-testid={`form-${action.key}`}>
          {action.fields.map((f) => (
            <Form.Item key={f.key} name={f.key} label={localized(f.label, i18n.language)} rules={[{ required: f.required }]}>
              {f.type === 'integer' ? <InputNumber precision={0} style={{ width: '100%' }} /> : <Input maxLength={300} />}
            </Form.Item>
          ))}
        </Form>
      </Modal>
    </>
  );
}

/**
 * The 360 panels other modules declare (loyalty, messages, tickets …) for one person — all, or only those named — each
 * a small table with its actions. Read beside the 360 (under `['customer', id]`, so what reloads the view reloads
 * them).
 */
export function ModulePanels({ customerId, only }: { customerId: number; only?: readonly string[] }) {
  const { t, i18n } = useTranslation();
  const currency = useCurrency();
  const { can } = useSession();
  // Titles and columns are the same for every person: read once.
  const definitions = useQuery({
    queryKey: ['customer-panels'],
    queryFn: () => api<{ items: CustomerPanelDefinition[] }>('/customers/panels'),
    staleTime: Number.POSITIVE_INFINITY,
  });
  const keys = only?.join(',');
  const panels = useQuery({
    queryKey: ['customer', String(customerId), 'panels', keys],
    queryFn: () => api<{ items: CustomerPanelBody[] }>(`/customers/${customerId}/panels`, { query: { keys } }),
  });
  const byKey = new Map(definitions.data?.items.map((d) => [d.key, d]));
  if (panels.isPending) return <Card loading style={{ marginTop: 16 }} />;
  if (panels.isError) return <Alert type="error" style={{ marginTop: 16 }} message={errorMessage(t, panels.error)} />;
  return panels.data.items.map((p) => {
    const d = byKey.get(p.key);
    if (!d) return null;
    const actions = (p.actions ?? []).filter((a) => can(a.permission as Permission));
    return (
      <Card
        key={p.key}
        title={localized(d.title, i18n.language)}
        style={{ marginTop: 16 }}
        data-testid={`panel-${p.key}`}
        extra={
          actions.length > 0 && (
            <Space>
              {actions.map((a) => (
                <ActionButton key={a.key} action={a} />
              ))}
            </Space>
          )
        }
      >
        <Table
          size="small"
          pagination={false}
          rowKey={(_, i) => String(i)}
          dataSource={p.rows}
          columns={d.columns.map((c) => ({
            key: c.key,
            title: localized(c.label, i18n.language),
            dataIndex: c.key,
            render: (v: unknown) =>
              v === null || v === undefined
                ? '—'
                : c.values?.[String(v)]
                  ? localized(c.values[String(v)], i18n.language)
                  : c.type === 'datetime'
                    ? formatDateTime(String(v), i18n.language)
                    : c.type === 'money'
                      ? formatMoney(Number(v), currency, i18n.language)
                      : String(v),
          }))}
        />
      </Card>
    );
  });
}
