import { Card, Table } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CustomerPanelBody } from '../../../../contracts/customers.ts';
import { formatDateTime, formatMoney } from '../../lib/format.ts';
import { useCurrency } from '../../lib/store.ts';
import { localized } from '../../lib/labels.ts';

/** The 360 panels other modules declare (loyalty, messages, tickets …), each a small table. */
export function ModulePanels({ panels }: { panels: CustomerPanelBody[] }) {
  const { i18n } = useTranslation();
  const currency = useCurrency();
  return panels.map((p) => (
    <Card key={p.key} title={localized(p.title, i18n.language)} style={{ marginTop: 16 }} data-testid={`panel-${p.key}`}>
      <Table
        size="small"
        pagination={false}
        rowKey={(_, i) => String(i)}
        dataSource={p.rows}
        columns={p.columns.map((c) => ({
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
  ));
}
