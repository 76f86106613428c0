import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Input, List, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CustomerDetail } from '../../../../contracts/customers.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';

export function TagsAndNotes({ id, tags, notes }: { id: number; tags: string[]; notes: CustomerDetail['notes'] }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const client = useQueryClient();
  const [tag, setTag] = useState('');
  const [note, setNote] = useState('');
  const refresh = () => client.invalidateQueries({ queryKey: ['customer', String(id)] });
  const onError = (e: unknown) => message.error(errorMessage(t, e));
  const tagging = useMutation({
    mutationFn: ({ value, remove }: { value: string; remove: boolean }) =>
      api(`/customers/${id}/tags${remove ? '/remove' : ''}`, { method: 'POST', body: { tag: value } }),
    onSuccess: () => {
      setTag('');
      refresh();
    },
    onError,
  });
  const noting = useMutation({
    mutationFn: (body: string) => api(`/customers/${id}/notes`, { method: 'POST', body: { body } }),
    onSuccess: () => {
      setNote('');
      refresh();
    },
    onError,
  });
  const editable = can('customers.write');
  return (
    <>
      <Card title={t('customers.tagsTitle')} style={{ marginTop: 16 }}>
        <Space wrap>
          {tags.map((x) => (
            <Tag key={x} closable={editable} onClose={() => tagging.mutate({ value: x, remove: true })}>
              {x}
            </Tag>
          ))}
          {tags.length === 0 && <Typography.Text type="secondary">{t('common.none')}</Typography.Text>}
        </Space>
        {editable && (
          <Space.Compact style={{ width: '100%', marginTop: 12 }}>
            <Input
              value={tag}
              maxLength={50}
              placeholder={t('customers.addTag')}
              onChange={(e) => setTag(e.target.value)}
              onPressEnter={() => tag.trim() && tagging.mutate({ value: tag.trim(), remove: false })}
            />
            <Button onClick={() => tag.trim() && tagging.mutate({ value: tag.trim(), remove: false })}>{t('customers.add')}</Button>
          </Space.Compact>
        )}
      </Card>
      <Card title={t('customers.notesTitle')} style={{ marginTop: 16 }}>
        {editable && (
          <Space.Compact style={{ width: '100%', marginBottom: 12 }}>
            <Input.TextArea
              value={note}
              maxLength={5000}
              autoSize
              placeholder={t('customers.addNote')}
              onChange={(e) => setNote(e.target.value)}
            />
            <Button onClick={() => note.trim() && noting.mutate(note.trim())}>{t('customers.add')}</Button>
          </Space.Compact>
        )}
        <List
          size="small"
          dataSource={notes}
          locale={{ emptyText: t('common.none') }}
          renderItem={(n) => (
            <List.Item>
              <List.Item.Meta title={n.body} description={`${n.author} · ${formatDateTime(n.createdAt, i18n.language)}`} />
            </List.Item>
          )}
        />
      </Card>
    </>
  );
}
