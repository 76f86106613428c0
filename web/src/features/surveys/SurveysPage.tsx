import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App,
  Button,
  Card,
  Checkbox,
  Col,
  Descriptions,
  Drawer,
  Input,
  Modal,
  QRCode,
  Row,
  Segmented,
  Select,
  Space,
  Statistic,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { segmentList } from '../../../../contracts/segments.ts';
import {
  STARTER_CHOICES,
  SURVEY_STARTER,
  type SurveyBody,
  type SurveyQuestion,
  type SurveyResults,
  type SurveyView,
  starterQuestion,
  type surveyList,
} from '../../../../contracts/surveys.ts';
import { api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';
import { Chart } from '../../ui/Chart.tsx';

type SurveyList = z.infer<typeof surveyList>;
const TYPES = ['nps', 'csat', 'ces', 'rating', 'single', 'multiple', 'matrix', 'text'] as const;

/** A question of the type chosen, keeping its id and texts. */
function retype(q: SurveyQuestion, type: SurveyQuestion['type']): SurveyQuestion {
  const base = { id: q.id, text: q.text, required: q.required, skip: q.skip };
  const choices = STARTER_CHOICES;
  switch (type) {
    case 'rating':
      return { ...base, type, scale: 5 };
    case 'single':
    case 'multiple':
      return { ...base, type, choices };
    case 'matrix':
      return { ...base, type, rows: choices, scale: 5 };
    case 'text':
      return { ...base, type, maxLength: 1000 };
    default:
      return { ...base, type };
  }
}

/** Choices as lines `key = Chinese / English` (the keys are what answers and skip rules name). */
const choicesText = (cs: { key: string; text: { 'zh-CN': string; en: string } }[]) =>
  cs.map((c) => `${c.key} = ${c.text['zh-CN']} / ${c.text.en}`).join('\n');
const parseChoices = (s: string) =>
  s
    .split('\n')
    .map((line) => /^\s*([a-z0-9_]+)\s*=\s*(.+?)\s*\/\s*(.+?)\s*$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ key: m[1], text: { 'zh-CN': m[2], en: m[3] } }));

/** The builder: name, title, the questions (type, text in both languages, required, choices); skip logic through the API. */
function SurveyBuilder({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [s, setS] = useState<SurveyBody>(SURVEY_STARTER);
  const save = useMutation({
    mutationFn: () => api<SurveyView>('/surveys', { method: 'POST', body: s }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['surveys'] });
      onClose();
    },
    onError: (err) => message.error(errorMessage(t, err)),
  });
  const setQ = (i: number, q: SurveyQuestion) => setS({ ...s, questions: s.questions.map((x, j) => (j === i ? q : x)) });
  return (
    <Modal
      open
      width={820}
      title={t('surveys.new')}
      onCancel={onClose}
      onOk={() => save.mutate()}
      confirmLoading={save.isPending}
      okText={t('common.save')}
    >
      <Space direction="vertical" style={{ width: '100%' }} data-testid="survey-builder">
        <Input
          addonBefore={t('surveys.name')}
          value={s.name}
          onChange={(e) => setS({ ...s, name: e.target.value })}
          data-testid="survey-name"
        />
        <Space.Compact style={{ width: '100%' }}>
          <Input
            addonBefore={t('surveys.title')}
            value={s.title['zh-CN']}
            onChange={(e) => setS({ ...s, title: { ...s.title, 'zh-CN': e.target.value } })}
          />
          <Input value={s.title.en} onChange={(e) => setS({ ...s, title: { ...s.title, en: e.target.value } })} />
        </Space.Compact>
        <Checkbox checked={s.anonymousLink} onChange={(e) => setS({ ...s, anonymousLink: e.target.checked })}>
          {t('surveys.anonymousLink')}
        </Checkbox>
        {s.questions.map((q, i) => (
          <Card
            key={q.id}
            size="small"
            title={`${i + 1}. ${q.id}`}
            extra={
              <Button
                size="small"
                danger
                disabled={s.questions.length === 1}
                onClick={() => setS({ ...s, questions: s.questions.filter((_, j) => j !== i) })}
              >
                {t('common.delete')}
              </Button>
            }
          >
            <Space wrap>
              <Select
                style={{ width: 140 }}
                value={q.type}
                onChange={(type) => setQ(i, retype(q, type))}
                options={TYPES.map((x) => ({ value: x, label: t(`surveys.types.${x}`) }))}
              />
              <Checkbox checked={q.required} onChange={(e) => setQ(i, { ...q, required: e.target.checked })}>
                {t('surveys.required')}
              </Checkbox>
            </Space>
            <Input
              style={{ marginTop: 6 }}
              addonBefore={t('knowledge.languages.zh-CN')}
              value={q.text['zh-CN']}
              onChange={(e) => setQ(i, { ...q, text: { ...q.text, 'zh-CN': e.target.value } })}
            />
            <Input
              style={{ marginTop: 6 }}
              addonBefore={t('knowledge.languages.en')}
              value={q.text.en}
              onChange={(e) => setQ(i, { ...q, text: { ...q.text, en: e.target.value } })}
            />
            {(q.type === 'single' || q.type === 'multiple') && (
              <Input.TextArea
                style={{ marginTop: 6 }}
                autoSize
                defaultValue={choicesText(q.choices)}
                onBlur={(e) => setQ(i, { ...q, choices: parseChoices(e.target.value) })}
                placeholder={t('surveys.choicesHint')}
              />
            )}
            {q.type === 'matrix' && (
              <Input.TextArea
                style={{ marginTop: 6 }}
                autoSize
                defaultValue={choicesText(q.rows)}
                onBlur={(e) => setQ(i, { ...q, rows: parseChoices(e.target.value) })}
                placeholder={t('surveys.choicesHint')}
              />
            )}
          </Card>
        ))}
        <Button onClick={() => setS({ ...s, questions: [...s.questions, starterQuestion(s.questions.length + 1)] })}>
          {t('surveys.addQuestion')}
        </Button>
      </Space>
    </Modal>
  );
}

/** The anonymous link as a QR code to print (a receipt, a parcel insert, the shop counter), downloadable as PNG. */
function LinkQrCode({ url, name }: { url: string; name: string }) {
  const { t } = useTranslation();
  const download = () => {
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="survey-qr"] canvas');
    if (!canvas) return;
    const a = document.createElement('a');
    a.href = canvas.toDataURL('image/png');
    a.download = `${name}.png`;
    a.click();
  };
  return (
    <Space align="end">
      <div data-testid="survey-qr">
        <QRCode value={url} size={160} bgColor="#fff" />
      </div>
      <Button onClick={download}>{t('surveys.downloadQr')}</Button>
    </Space>
  );
}

const DIMENSIONS = ['channel', 'tier', 'product', 'segment'] as const;

/** Results side by side for one dimension (channel, tier, product bought, chosen segments). */
function Breakdown({ rows, dimension }: { rows: SurveyResults['breakdowns']['channel']; dimension: (typeof DIMENSIONS)[number] }) {
  const { t } = useTranslation();
  return (
    <Table
      size="small"
      rowKey="key"
      pagination={false}
      dataSource={rows}
      data-testid="survey-breakdown"
      columns={[
        {
          title: t(`surveys.dimensions.${dimension}`),
          dataIndex: 'label',
          render: (label: string, x) => (dimension === 'product' ? `${label} (${x.key})` : label || x.key || t('surveys.none')),
        },
        { title: t('surveys.responses'), dataIndex: 'answers', align: 'right' },
        { title: t('surveys.nps'), dataIndex: 'nps', align: 'right', render: (v: number | null) => v ?? '—' },
        { title: t('surveys.csat'), dataIndex: 'csat', align: 'right', render: (v: number | null) => v ?? '—' },
      ]}
    />
  );
}

/** A survey's results: the NPS with its interval, each question's answers, free-text themes, NPS by week; breakdowns. */
function ResultsDrawer({ survey, onClose }: { survey: SurveyList['items'][number] | null; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const { can } = useSession();
  const client = useQueryClient();
  const [segmentId, setSegmentId] = useState<number | null>(null);
  const [dimension, setDimension] = useState<(typeof DIMENSIONS)[number]>('channel');
  const [bySegments, setBySegments] = useState<number[]>([]);
  const id = survey?.id;
  const results = useQuery({
    queryKey: ['survey-results', id, bySegments],
    queryFn: () => api<SurveyResults>(`/surveys/${id}/results`, { query: bySegments.length > 0 ? { segments: bySegments.join(',') } : {} }),
    enabled: id !== undefined,
  });
  const full = useQuery({ queryKey: ['survey', id], queryFn: () => api<SurveyView>(`/surveys/${id}`), enabled: id !== undefined });
  const segments = useQuery({ queryKey: ['segments'], queryFn: () => api<z.infer<typeof segmentList>>('/segments') });
  const refresh = () => void client.invalidateQueries({ queryKey: ['surveys'] });
  const status = useMutation({
    mutationFn: (to: 'open' | 'closed') => api<SurveyView>(`/surveys/${id}/status`, { method: 'POST', body: { status: to } }),
    onSuccess: (x) => {
      client.setQueryData(['survey', id], x);
      refresh();
    },
    onError: (err) => message.error(errorMessage(t, err)),
  });
  const invite = useMutation({
    mutationFn: () =>
      api<{ invited: number; queued: number }>(`/surveys/${id}/invitations`, { method: 'POST', body: { segmentId, channel: 'email' } }),
    onSuccess: (r) => {
      message.success(t('surveys.invited', { n: r.invited }));
      refresh();
    },
    onError: (err) => message.error(errorMessage(t, err)),
  });
  const r = results.data;
  const s = full.data;
  const lang = i18n.language === 'en' ? 'en' : 'zh-CN';
  return (
    <Drawer open={survey !== null} onClose={onClose} width={720} title={survey?.name} data-testid="survey-results">
      {s && (
        <Space direction="vertical" style={{ width: '100%' }}>
          <Space wrap>
            <Tag>{t(`surveys.statuses.${s.status}`)}</Tag>
            {can('surveys.write') && s.status === 'draft' && (
              <Button type="primary" onClick={() => status.mutate('open')} data-testid="survey-open">
                {t('surveys.open')}
              </Button>
            )}
            {can('surveys.write') && s.status === 'open' && <Button onClick={() => status.mutate('closed')}>{t('surveys.close')}</Button>}
            {s.publicUrl && <Typography.Text copyable={{ text: s.publicUrl }}>{t('surveys.publicLink')}</Typography.Text>}
          </Space>
          {s.publicUrl && <LinkQrCode url={s.publicUrl} name={s.name} />}
          {can('surveys.write') && s.status === 'open' && (
            <Space.Compact>
              <Select
                style={{ width: 260 }}
                placeholder={t('surveys.inviteSegment')}
                value={segmentId ?? undefined}
                onChange={setSegmentId}
                options={segments.data?.items.map((x) => ({ value: x.id, label: x.name }))}
              />
              <Button disabled={segmentId === null} loading={invite.isPending} onClick={() => invite.mutate()}>
                {t('surveys.invite')}
              </Button>
            </Space.Compact>
          )}
          {r && (
            <>
              <Row gutter={16}>
                <Col span={6}>
                  <Statistic title={t('surveys.responses')} value={r.responses} />
                </Col>
                <Col span={6}>
                  <Statistic title={t('surveys.completed')} value={r.completed} />
                </Col>
                <Col span={12}>
                  <Statistic
                    title={t('surveys.nps')}
                    value={r.nps ? r.nps.score : '—'}
                    suffix={
                      r.nps ? (
                        <Typography.Text type="secondary" style={{ fontSize: 13 }}>
                          {t('surveys.interval', { low: r.nps.interval.low, high: r.nps.interval.high })}
                        </Typography.Text>
                      ) : null
                    }
                  />
                </Col>
              </Row>
              {r.nps && (
                <Descriptions size="small" column={3}>
                  <Descriptions.Item label={t('surveys.promoters')}>{r.nps.promoters}</Descriptions.Item>
                  <Descriptions.Item label={t('surveys.passives')}>{r.nps.passives}</Descriptions.Item>
                  <Descriptions.Item label={t('surveys.detractors')}>{r.nps.detractors}</Descriptions.Item>
                </Descriptions>
              )}
              {r.byWeek.length > 1 && (
                <Chart
                  height={200}
                  option={{
                    xAxis: { type: 'category', data: r.byWeek.map((w) => w.week) },
                    yAxis: { type: 'value' },
                    series: [{ type: 'line', data: r.byWeek.map((w) => w.nps) }],
                  }}
                />
              )}
              {r.questions.map((q) => {
                const def = s.questions.find((x) => x.id === q.id);
                return (
                  <Card key={q.id} size="small" title={def?.text[lang] ?? q.id} extra={`${q.answers} · ${q.average ?? ''}`}>
                    {q.distribution.map((d) => (
                      <Tag key={d.value}>{`${d.value}: ${d.count}`}</Tag>
                    ))}
                    {q.themes?.map((th) => (
                      <div key={th.words.join('+')} style={{ marginTop: 6 }}>
                        <Typography.Text strong>{`${th.words.join(' + ')} (${th.count})`}</Typography.Text>
                        {th.examples.map((e) => (
                          <div key={e}>
                            <Typography.Text type="secondary">{`“${e}”`}</Typography.Text>
                          </div>
                        ))}
                      </div>
                    ))}
                  </Card>
                );
              })}
              <Card
                size="small"
                title={t('surveys.breakdown')}
                extra={
                  <Segmented
                    value={dimension}
                    onChange={(v) => setDimension(v as (typeof DIMENSIONS)[number])}
                    options={DIMENSIONS.map((d) => ({ value: d, label: t(`surveys.dimensions.${d}`) }))}
                  />
                }
              >
                {dimension === 'segment' && (
                  <Select
                    mode="multiple"
                    maxCount={10}
                    style={{ width: '100%', marginBottom: 8 }}
                    placeholder={t('surveys.chooseSegments')}
                    value={bySegments}
                    onChange={setBySegments}
                    options={segments.data?.items.map((x) => ({ value: x.id, label: x.name }))}
                  />
                )}
                <Breakdown rows={r.breakdowns[dimension]} dimension={dimension} />
              </Card>
            </>
          )}
        </Space>
      )}
    </Drawer>
  );
}

/** Surveys: the list with who was asked and who answered, a builder, and each survey's results. */
export function SurveysPage() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const [building, setBuilding] = useState(false);
  const [open, setOpen] = useState<SurveyList['items'][number] | null>(null);
  const list = useQuery({ queryKey: ['surveys'], queryFn: () => api<SurveyList>('/surveys', { query: { limit: 100 } }) });
  return (
    <>
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 12 }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('surveys.title')}
        </Typography.Title>
        {can('surveys.write') && (
          <Button type="primary" onClick={() => setBuilding(true)} data-testid="new-survey">
            {t('surveys.new')}
          </Button>
        )}
      </Space>
      <Table
        rowKey="id"
        loading={list.isLoading}
        dataSource={list.data?.items}
        onRow={(s) => ({ onClick: () => setOpen(s), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('surveys.name'), dataIndex: 'name' },
          { title: t('surveys.status'), render: (_, s) => <Tag>{t(`surveys.statuses.${s.status}`)}</Tag> },
          { title: t('surveys.invitedCount'), dataIndex: 'invited', align: 'right' },
          { title: t('surveys.responses'), dataIndex: 'responses', align: 'right' },
          { title: t('surveys.completed'), dataIndex: 'completed', align: 'right' },
          { title: t('surveys.updated'), render: (_, s) => formatDateTime(s.updatedAt, i18n.language) },
        ]}
      />
      {building && <SurveyBuilder onClose={() => setBuilding(false)} />}
      <ResultsDrawer survey={open} onClose={() => setOpen(null)} />
    </>
  );
}
