import { Alert, Checkbox, Form, Input, Select, Space, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { importEncoding, uploadResult } from '../../../../contracts/imports.ts';

export type Uploaded = z.infer<typeof uploadResult>;
export type Encoding = z.infer<typeof importEncoding>;
export type ImportChoices = {
  mapping: Record<string, string>;
  /** Unmapped columns kept as custom attributes: column → attribute key. */
  attributes: Record<string, string>;
  channel: string;
  dateFormat: string;
  returnsPrefix: string;
  updateExisting: boolean;
};

const ENCODINGS: Encoding[] = ['utf-8', 'gb18030', 'utf-16le', 'utf-16be', 'big5', 'windows-1252'];

/** A column name as an attribute key: ASCII letters, digits and _ kept; otherwise attr_ and the column's position. */
export function suggestAttributeKey(column: string, position: number): string {
  const ascii = column
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return /^[a-z]/.test(ascii) ? ascii.slice(0, 40) : `attr_${position + 1}`;
}

type Props = {
  uploaded: Uploaded;
  choices: ImportChoices;
  onChange: (c: ImportChoices) => void;
  onEncoding: (e: Encoding) => void;
  kind: string;
};

/** The preview in the detected encoding, the mapping, the columns left unmapped and the import's options. */
export function ImportSetup({ uploaded, choices, onChange, onEncoding, kind }: Props) {
  const { t } = useTranslation();
  const set = (patch: Partial<ImportChoices>) => onChange({ ...choices, ...patch });
  const mapped = new Set(Object.values(choices.mapping));
  const unmapped = uploaded.header.filter((h) => h && !mapped.has(h));
  const setTarget = (target: string, column?: string) => {
    const mapping = { ...choices.mapping };
    if (column) mapping[target] = column;
    else delete mapping[target];
    const attributes = { ...choices.attributes };
    if (column) delete attributes[column];
    set({ mapping, attributes });
  };
  const keep = (column: string, position: number, on: boolean) => {
    const attributes = { ...choices.attributes };
    if (on) attributes[column] = suggestAttributeKey(column, position);
    else delete attributes[column];
    set({ attributes });
  };
  return (
    <Space direction="vertical" style={{ width: '100%', marginTop: 16 }}>
      <Space wrap>
        <Typography.Text>{t('imports.encoding')}</Typography.Text>
        <Select<Encoding>
          value={uploaded.encoding}
          style={{ width: 160 }}
          onChange={onEncoding}
          options={ENCODINGS.map((e) => ({ value: e, label: t(`imports.encodings.${e}`) }))}
          data-testid="import-encoding"
        />
        <Typography.Text type="secondary">{t('imports.encodingHint')}</Typography.Text>
      </Space>
      <Table
        size="small"
        pagination={false}
        scroll={{ x: true }}
        rowKey={(_, i) => String(i)}
        dataSource={uploaded.preview.map((r) => Object.fromEntries(uploaded.header.map((h, i) => [h, r[i] ?? ''])))}
        columns={uploaded.header.map((h) => ({ title: h, dataIndex: h }))}
      />
      <Form layout="inline">
        {uploaded.targets.map((target) => (
          <Form.Item key={target} label={t(`imports.targets.${target}`)} style={{ marginBottom: 8 }}>
            <Select
              allowClear
              style={{ width: 150 }}
              value={choices.mapping[target]}
              onChange={(c?: string) => setTarget(target, c)}
              options={uploaded.header.map((h) => ({ value: h, label: h }))}
            />
          </Form.Item>
        ))}
      </Form>
      {unmapped.length > 0 && (
        <Alert
          type="info"
          showIcon
          message={t('imports.unmapped', { count: unmapped.length })}
          description={
            <Space direction="vertical" data-testid="import-unmapped">
              {unmapped.map((column) => {
                const position = uploaded.header.indexOf(column);
                const key = choices.attributes[column];
                return (
                  <Space key={column} wrap>
                    <Checkbox checked={key !== undefined} onChange={(e) => keep(column, position, e.target.checked)}>
                      {t('imports.keepAsAttribute', { column })}
                    </Checkbox>
                    {key !== undefined && (
                      <Input
                        size="small"
                        style={{ width: 180 }}
                        value={key}
                        addonBefore={t('imports.attributeKey')}
                        onChange={(e) => set({ attributes: { ...choices.attributes, [column]: e.target.value } })}
                      />
                    )}
                  </Space>
                );
              })}
            </Space>
          }
        />
      )}
      <Space wrap>
        <Input
          placeholder={t('imports.channel')}
          value={choices.channel}
          onChange={(e) => set({ channel: e.target.value })}
          style={{ width: 180 }}
        />
        <Input
          placeholder={t('imports.dateFormat')}
          value={choices.dateFormat}
          onChange={(e) => set({ dateFormat: e.target.value })}
          style={{ width: 220 }}
        />
        {kind === 'orders' && (
          <Input
            placeholder={t('imports.returnsPrefix')}
            value={choices.returnsPrefix}
            onChange={(e) => set({ returnsPrefix: e.target.value })}
            style={{ width: 260 }}
          />
        )}
        {kind !== 'products' && (
          <Checkbox checked={choices.updateExisting} onChange={(e) => set({ updateExisting: e.target.checked })}>
            {t('imports.updateExisting')}
          </Checkbox>
        )}
      </Space>
    </Space>
  );
}
