import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Background, Controls, type Edge, type Node, ReactFlow } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { Alert, App, Button, Card, Col, Form, Input, InputNumber, Row, Select, Space, Switch, Tag, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CouponTemplateView } from '../../../../contracts/loyalty.ts';
import { useNavigate, useParams } from 'react-router';
import type { z } from 'zod';
import {
  type JourneyDefinition,
  type JourneyStep,
  type JourneyTrigger,
  type journeyView,
  holidayKeys,
  nextOf,
  orderLifecycle,
} from '../../../../contracts/journeys.ts';
import { RETURN_STATES } from '../../../../contracts/returns.ts';
import { ROLES } from '../../../../contracts/permissions.ts';
import { ORDER_STATUSES } from '../../../../contracts/segments.ts';
import { ApiError, api } from '../../lib/api.ts';
import { errorMessage } from '../../lib/errors.ts';
import { useSession } from '../../lib/session.ts';
import { RuleBuilder, useSegmentCatalog } from '../segments/RuleBuilder.tsx';
import { ActionFields, isAction } from './ActionFields.tsx';
import { useMoney } from '../../lib/store.ts';
import { EarnedLine } from './Earned.tsx';
import { StepLine, triggerText } from './steps.tsx';
import { useOpenSurveyOptions } from '../surveys/openSurveys.ts';

type Journey = z.infer<typeof journeyView>;
type Problem = { step: string | null; problem: string };

const STEP_TYPES = [
  'wait',
  'wait_until',
  'wait_event',
  'condition',
  'order_status',
  'split',
  'recommend',
  'message',
  'coupon',
  'survey',
  'tag',
  'attribute',
  'points',
  'ticket',
  'webhook',
  'task',
  'exit',
] as const;
const EMPTY_RULES = { type: 'group', op: 'and', children: [] } as const;

/** A new step of a type, not yet connected (its way out leads nowhere: the run ends there). */
function newStep(type: (typeof STEP_TYPES)[number], id: string): JourneyStep {
  switch (type) {
    case 'wait':
      return { id, type, minutes: 60, next: null };
    case 'wait_until':
      return { id, type, time: '10:00', next: null };
    case 'wait_event':
      return { id, type, event: 'Order Completed', minutes: 60, yes: null, no: null };
    case 'condition':
      return { id, type, rules: { ...EMPTY_RULES, children: [] }, yes: null, no: null };
    case 'order_status':
      return { id, type, statuses: ['pending_payment'], yes: null, no: null };
    case 'split':
      return {
        id,
        type,
        branches: [
          { share: 50, next: null },
          { share: 50, next: null },
        ],
      };
    case 'recommend':
      return { id, type, limit: 3, yes: null, no: null };
    case 'message':
      return { id, type, template: '', next: null };
    case 'coupon':
      return { id, type, templateId: 0, next: null };
    case 'survey':
      return { id, type, surveyId: 0, next: null };
    case 'tag':
      return { id, type, tag: '', remove: false, next: null };
    case 'task':
      return { id, type, title: '', note: '', assignee: { role: 'service_agent' }, dueInHours: 24, next: null };
    case 'attribute':
      return { id, type, key: '', value: null, next: null };
    case 'points':
      return { id, type, points: 100, reason: '', next: null };
    case 'ticket':
      return { id, type, subject: '', body: '', ticketType: 'other', priority: 'normal', next: null };
    case 'webhook':
      return { id, type, name: '', next: null };
    case 'exit':
      return { id, type };
  }
}

/** Columns by distance from the start; steps nothing reaches stand in a last column. */
function layout(d: JourneyDefinition): Map<string, { x: number; y: number }> {
  const byId = new Map(d.steps.map((s) => [s.id, s]));
  const depth = new Map<string, number>();
  const queue: [string, number][] = byId.has(d.start) ? [[d.start, 0]] : [];
  while (queue.length > 0) {
    const [id, n] = queue.shift()!;
    if (depth.has(id)) continue;
    depth.set(id, n);
    for (const next of nextOf(byId.get(id)!)) if (next !== null && byId.has(next)) queue.push([next, n + 1]);
  }
  const rows = new Map<number, number>();
  const last = Math.max(0, ...depth.values()) + 1;
  const out = new Map<string, { x: number; y: number }>();
  for (const s of d.steps) {
    const col = depth.get(s.id) ?? last;
    const row = rows.get(col) ?? 0;
    rows.set(col, row + 1);
    out.set(s.id, { x: row * 300, y: col * 130 });
  }
  return out;
}

function PointerSelect({
  steps,
  value,
  onChange,
  self,
  testId,
}: {
  steps: JourneyStep[];
  value: string | null;
  onChange: (v: string | null) => void;
  self: string;
  testId: string;
}) {
  const { t } = useTranslation();
  return (
    <Select
      data-testid={testId}
      style={{ width: '100%' }}
      value={value ?? ''}
      onChange={(v) => onChange(v === '' ? null : v)}
      options={[{ value: '', label: t('journeys.end') }, ...steps.filter((s) => s.id !== self).map((s) => ({ value: s.id, label: s.id }))]}
    />
  );
}

/** The side panel of one step: its settings and where each of its ways out leads. */
function StepPanel({ step, steps, onChange }: { step: JourneyStep; steps: JourneyStep[]; onChange: (s: JourneyStep) => void }) {
  const { t } = useTranslation();
  const catalog = useSegmentCatalog();
  const templates = useQuery({
    queryKey: ['message-templates'],
    queryFn: () => api<{ items: { key: string; name: string }[] }>('/message-templates'),
  });
  const coupons = useQuery({
    queryKey: ['coupons', 'templates'],
    queryFn: () => api<CouponTemplateView[]>('/coupons/templates'),
    enabled: step.type === 'coupon',
  });
  const surveys = useOpenSurveyOptions(step.type === 'survey');
  const pointer = (label: string, value: string | null, set: (v: string | null) => void, testId: string) => (
    <Form.Item label={label}>
      <PointerSelect steps={steps} value={value} onChange={set} self={step.id} testId={testId} />
    </Form.Item>
  );
  return (
    <Form layout="vertical" data-testid="step-panel">
      <Typography.Title level={5}>
        {step.id} · {t(`journeys.stepTypes.${step.type}`)}
      </Typography.Title>
      {(step.type === 'wait' || step.type === 'wait_event') && (
        <Form.Item label={t('journeys.fields.minutes')}>
          <InputNumber min={1} value={step.minutes} onChange={(v) => onChange({ ...step, minutes: Number(v ?? 1) })} />
        </Form.Item>
      )}
      {step.type === 'wait_until' && (
        <Form.Item label={t('journeys.fields.time')}>
          <Input value={step.time} onChange={(e) => onChange({ ...step, time: e.target.value })} placeholder="10:00" />
        </Form.Item>
      )}
      {step.type === 'wait_event' && (
        <Form.Item label={t('journeys.fields.event')}>
          <Input value={step.event} onChange={(e) => onChange({ ...step, event: e.target.value })} />
        </Form.Item>
      )}
      {step.type === 'condition' && catalog.data && (
        <RuleBuilder value={step.rules} onChange={(rules) => onChange({ ...step, rules })} catalog={catalog.data} />
      )}
      {step.type === 'order_status' && (
        <Form.Item label={t('journeys.fields.statuses')}>
          <Select
            mode="multiple"
            value={step.statuses}
            onChange={(statuses) => onChange({ ...step, statuses })}
            options={ORDER_STATUSES.map((s) => ({ value: s, label: t(`orderStatus.${s}`) }))}
          />
        </Form.Item>
      )}
      {step.type === 'message' && (
        <Form.Item label={t('journeys.fields.template')}>
          <Select
            data-testid="step-template"
            value={step.template || undefined}
            onChange={(template) => onChange({ ...step, template })}
            options={(templates.data?.items ?? []).map((x) => ({ value: x.key, label: `${x.name} (${x.key})` }))}
          />
        </Form.Item>
      )}
      {step.type === 'coupon' && (
        <Form.Item label={t('journeys.fields.couponTemplate')} extra={t('journeys.fields.couponHelp')}>
          <Select
            data-testid="step-coupon"
            value={step.templateId || undefined}
            onChange={(templateId) => onChange({ ...step, templateId })}
            options={(coupons.data ?? []).filter((x) => !x.archived).map((x) => ({ value: x.id, label: x.name }))}
          />
        </Form.Item>
      )}
      {step.type === 'survey' && (
        <Form.Item label={t('journeys.fields.survey')} extra={t('journeys.fields.surveyHelp')}>
          <Select
            data-testid="step-survey"
            value={step.surveyId || undefined}
            onChange={(surveyId) => onChange({ ...step, surveyId })}
            options={surveys}
          />
        </Form.Item>
      )}
      {step.type === 'tag' && (
        <Space>
          <Form.Item label={t('journeys.fields.tag')}>
            <Input value={step.tag} onChange={(e) => onChange({ ...step, tag: e.target.value })} />
          </Form.Item>
          <Form.Item label={t('journeys.fields.remove')}>
            <Switch checked={step.remove} onChange={(remove) => onChange({ ...step, remove })} />
          </Form.Item>
        </Space>
      )}
      {isAction(step) && <ActionFields step={step} onChange={onChange} />}
      {step.type === 'task' && (
        <>
          <Form.Item label={t('journeys.fields.taskTitle')}>
            <Input value={step.title} onChange={(e) => onChange({ ...step, title: e.target.value })} />
          </Form.Item>
          <Form.Item label={t('journeys.fields.taskNote')}>
            <Input.TextArea rows={2} value={step.note} onChange={(e) => onChange({ ...step, note: e.target.value })} />
          </Form.Item>
          <Space>
            <Form.Item label={t('journeys.fields.assigneeRole')}>
              <Select
                style={{ width: 160 }}
                value={'role' in step.assignee ? step.assignee.role : undefined}
                onChange={(role) => onChange({ ...step, assignee: { role } })}
                options={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
              />
            </Form.Item>
            <Form.Item label={t('journeys.fields.dueInHours')}>
              <InputNumber min={1} value={step.dueInHours} onChange={(v) => onChange({ ...step, dueInHours: Number(v ?? 24) })} />
            </Form.Item>
          </Space>
        </>
      )}
      {step.type === 'split' &&
        step.branches.map((b, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a branch is its position (branches have no id of their own)
          <Space key={`${step.id}-${i}`} align="end">
            <Form.Item label={t('journeys.fields.share')}>
              <InputNumber
                min={1}
                max={100}
                value={b.share}
                onChange={(v) =>
                  onChange({ ...step, branches: step.branches.map((x, k) => (k === i ? { ...x, share: Number(v ?? 1) } : x)) })
                }
              />
            </Form.Item>
            {pointer(
              t('journeys.fields.branch', { n: i + 1 }),
              b.next,
              (next) => onChange({ ...step, branches: step.branches.map((x, k) => (k === i ? { ...x, next } : x)) }),
              `step-branch-${i}`,
            )}
          </Space>
        ))}
      {step.type === 'recommend' && (
        <Form.Item label={t('journeys.fields.recommendLimit')} extra={t('journeys.fields.recommendHelp')}>
          <InputNumber min={1} max={6} value={step.limit} onChange={(v) => onChange({ ...step, limit: Number(v ?? 3) })} />
        </Form.Item>
      )}
      {(step.type === 'condition' || step.type === 'order_status' || step.type === 'wait_event' || step.type === 'recommend') && (
        <>
          {pointer(t('journeys.fields.yes'), step.yes, (yes) => onChange({ ...step, yes }), 'step-yes')}
          {pointer(t('journeys.fields.no'), step.no, (no) => onChange({ ...step, no }), 'step-no')}
        </>
      )}
      {'next' in step && pointer(t('journeys.fields.next'), step.next, (next) => onChange({ ...step, next }), 'step-next')}
    </Form>
  );
}

/** Days from a date and the time of day: the same two fields of the date and holiday triggers. */
function OffsetAndTime({
  value,
  onChange,
}: {
  value: { offsetDays: number; time: string };
  onChange: (v: { offsetDays: number; time: string }) => void;
}) {
  const { t } = useTranslation();
  return (
    <>
      <Form.Item label={t('journeys.fields.offsetDays')}>
        <InputNumber min={-60} max={60} value={value.offsetDays} onChange={(v) => onChange({ ...value, offsetDays: Number(v ?? 0) })} />
      </Form.Item>
      <Form.Item label={t('journeys.fields.time')}>
        <Input style={{ width: 90 }} value={value.time} onChange={(e) => onChange({ ...value, time: e.target.value })} />
      </Form.Item>
    </>
  );
}

/** The trigger, re-entry and goal of a journey. */
function TriggerPanel({ d, onChange }: { d: JourneyDefinition; onChange: (d: JourneyDefinition) => void }) {
  const { t } = useTranslation();
  const tr = d.trigger;
  const setTrigger = (trigger: JourneyTrigger) => onChange({ ...d, trigger });
  const fresh = (type: JourneyTrigger['type']): JourneyTrigger =>
    type === 'order'
      ? { type, event: 'placed', minTotal: 0, statuses: [], maxAgeHours: 24 }
      : type === 'event'
        ? { type, name: 'Checkout Started', properties: {}, maxAgeHours: 24 }
        : type === 'segment'
          ? { type, segmentId: 1, on: 'entered' }
          : type === 'date'
            ? { type, field: 'birthday', calendar: 'gregorian', offsetDays: 0, time: '10:00' }
            : type === 'holiday'
              ? { type, holiday: 'mid_autumn', offsetDays: 0, time: '10:00' }
              : type === 'return'
                ? { type, states: ['approved'] }
                : type === 'survey'
                  ? { type, surveyId: null, npsMin: 0, npsMax: 6 }
                  : type === 'product'
                    ? { type, on: 'price_drop', minDropPercent: 10, events: ['Product Viewed', 'Product Added'], withinDays: 30 }
                    : { type: 'manual' };
  return (
    <Form layout="vertical">
      <Form.Item label={t('journeys.fields.trigger')}>
        <Select
          value={tr.type}
          onChange={(type) => setTrigger(fresh(type))}
          options={['order', 'event', 'segment', 'date', 'holiday', 'product', 'return', 'survey', 'manual'].map((x) => ({
            value: x,
            label: t(`journeys.triggerTypes.${x}`),
          }))}
        />
      </Form.Item>
      {tr.type === 'order' && (
        <Space wrap>
          <Form.Item label={t('journeys.fields.orderEvent')}>
            <Select
              style={{ width: 140 }}
              value={tr.event}
              onChange={(event) => setTrigger({ ...tr, event })}
              options={orderLifecycle.map((e) => ({ value: e, label: t(`journeys.orderEvents.${e}`) }))}
            />
          </Form.Item>
          <Form.Item label={t('journeys.fields.minTotal')}>
            <InputNumber
              min={0}
              value={tr.minTotal / 100}
              onChange={(v) => setTrigger({ ...tr, minTotal: Math.round(Number(v ?? 0) * 100) })}
            />
          </Form.Item>
        </Space>
      )}
      {tr.type === 'event' && (
        <Form.Item label={t('journeys.fields.event')}>
          <Input value={tr.name} onChange={(e) => setTrigger({ ...tr, name: e.target.value })} />
        </Form.Item>
      )}
      {tr.type === 'segment' && (
        <Space>
          <Form.Item label={t('journeys.fields.segmentId')}>
            <InputNumber min={1} value={tr.segmentId} onChange={(v) => setTrigger({ ...tr, segmentId: Number(v ?? 1) })} />
          </Form.Item>
          <Form.Item label={t('journeys.fields.on')}>
            <Select
              style={{ width: 120 }}
              value={tr.on}
              onChange={(on) => setTrigger({ ...tr, on })}
              options={(['entered', 'exited'] as const).map((o) => ({ value: o, label: t(`journeys.trigger.segment.${o}`, { id: '' }) }))}
            />
          </Form.Item>
        </Space>
      )}
      {tr.type === 'date' && (
        <Space wrap>
          <Form.Item label={t('journeys.fields.dateField')}>
            <Select
              style={{ width: 180 }}
              value={tr.field.startsWith('attribute:') ? undefined : tr.field}
              onChange={(field) => setTrigger({ ...tr, field })}
              options={['birthday', 'first_order', 'member_since', 'card_opened', 'next_order'].map((f) => ({
                value: f,
                label: t(`journeys.dateFields.${f}`),
              }))}
              data-testid="journey-date-field"
            />
          </Form.Item>
          <Form.Item label={t('journeys.fields.calendar')}>
            <Select
              style={{ width: 140 }}
              value={tr.calendar}
              onChange={(calendar) => setTrigger({ ...tr, calendar })}
              options={(['gregorian', 'lunar'] as const).map((c) => ({ value: c, label: t(`journeys.calendars.${c}`) }))}
            />
          </Form.Item>
          <OffsetAndTime value={tr} onChange={(v) => setTrigger({ ...tr, ...v })} />
        </Space>
      )}
      {tr.type === 'product' && (
        <Space wrap>
          <Form.Item label={t('journeys.fields.productOn')}>
            <Select
              style={{ width: 160 }}
              value={tr.on}
              onChange={(on) => setTrigger({ ...tr, on })}
              options={(['price_drop', 'back_in_stock'] as const).map((o) => ({ value: o, label: t(`journeys.productChanges.${o}`) }))}
            />
          </Form.Item>
          {tr.on === 'price_drop' && (
            <Form.Item label={t('journeys.fields.minDropPercent')}>
              <InputNumber
                min={1}
                max={90}
                value={tr.minDropPercent}
                onChange={(v) => setTrigger({ ...tr, minDropPercent: Number(v ?? 5) })}
              />
            </Form.Item>
          )}
          <Form.Item label={t('journeys.fields.lookedEvents')}>
            <Select
              mode="tags"
              style={{ minWidth: 260 }}
              value={tr.events}
              onChange={(events: string[]) => setTrigger({ ...tr, events: events.length > 0 ? events : tr.events })}
            />
          </Form.Item>
          <Form.Item label={t('journeys.fields.withinDays')}>
            <InputNumber min={1} max={90} value={tr.withinDays} onChange={(v) => setTrigger({ ...tr, withinDays: Number(v ?? 30) })} />
          </Form.Item>
        </Space>
      )}
      {tr.type === 'return' && (
        <Form.Item label={t('journeys.fields.returnStates')}>
          <Select
            mode="multiple"
            value={tr.states}
            onChange={(states) => setTrigger({ ...tr, states })}
            options={RETURN_STATES.map((s) => ({ value: s, label: t(`returns.states.${s}`) }))}
          />
        </Form.Item>
      )}
      {tr.type === 'survey' && (
        <Space wrap>
          <Form.Item label={t('journeys.fields.npsMin')}>
            <InputNumber min={0} max={10} value={tr.npsMin} onChange={(v) => setTrigger({ ...tr, npsMin: Number(v ?? 0) })} />
          </Form.Item>
          <Form.Item label={t('journeys.fields.npsMax')}>
            <InputNumber min={0} max={10} value={tr.npsMax} onChange={(v) => setTrigger({ ...tr, npsMax: Number(v ?? 10) })} />
          </Form.Item>
        </Space>
      )}
      {tr.type === 'holiday' && (
        <Space wrap>
          <Form.Item label={t('journeys.fields.holiday')}>
            <Select
              style={{ width: 180 }}
              value={tr.holiday}
              onChange={(holiday) => setTrigger({ ...tr, holiday })}
              options={[...holidayKeys, 'custom' as const].map((h) => ({ value: h, label: t(`journeys.holidays.${h}`) }))}
            />
          </Form.Item>
          {tr.holiday === 'custom' && (
            <Form.Item label={t('journeys.fields.customDate')}>
              <Input
                style={{ width: 90 }}
                placeholder="06-01"
                value={tr.date}
                onChange={(e) => setTrigger({ ...tr, date: e.target.value })}
              />
            </Form.Item>
          )}
          <OffsetAndTime value={tr} onChange={(v) => setTrigger({ ...tr, ...v })} />
        </Space>
      )}
      <Form.Item label={t('journeys.fields.reentry')}>
        <Select
          value={d.reentry.policy}
          onChange={(policy) => onChange({ ...d, reentry: { policy, days: policy === 'cooldown' ? (d.reentry.days ?? 1) : undefined } })}
          options={(['every', 'once', 'cooldown'] as const).map((p) => ({
            value: p,
            label: t(`journeys.reentry.${p}`, { days: d.reentry.days ?? 1 }),
          }))}
        />
      </Form.Item>
    </Form>
  );
}

/** Automation → a journey: its steps on a canvas, each edited in the side panel; saved as a draft, then published. */
export function JourneyEditorPage() {
  const { id } = useParams();
  const { t } = useTranslation();
  const money = useMoney();
  const { message } = App.useApp();
  const { can } = useSession();
  const navigate = useNavigate();
  const client = useQueryClient();
  const journey = useQuery({ queryKey: ['journey', Number(id)], queryFn: () => api<Journey>(`/journeys/${id}`) });
  const [draft, setDraft] = useState<JourneyDefinition | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [adding, setAdding] = useState<(typeof STEP_TYPES)[number]>('message');
  const [problems, setProblems] = useState<Problem[]>([]);
  useEffect(() => {
    if (journey.data && !draft) setDraft(journey.data.definition);
  }, [journey.data, draft]);
  const d = draft;
  const positions = useMemo(() => (d ? layout(d) : new Map()), [d]);
  const save = useMutation({
    mutationFn: (publish: boolean) =>
      api(`/journeys/${id}`, {
        method: 'PUT',
        body: { name: journey.data!.name, description: journey.data!.description, definition: d },
      }).then(() => (publish ? api(`/journeys/${id}/activate`, { method: 'POST' }) : null)),
    onSuccess: (_, publish) => {
      setProblems([]);
      message.success(t(publish ? 'journeys.published' : 'journeys.saved'));
      client.invalidateQueries({ queryKey: ['journeys'] });
      client.invalidateQueries({ queryKey: ['journey', Number(id)] });
    },
    onError: (e) => {
      if (e instanceof ApiError && e.code === 'JOURNEY_INVALID') setProblems((e.details as { problems: Problem[] }).problems);
      message.error(errorMessage(t, e));
    },
  });
  if (!journey.data || !d) return <Card loading />;
  const step = d.steps.find((s) => s.id === selected) ?? null;
  const bad = new Set(problems.map((p) => p.step));
  const counts = journey.data.steps ?? {};
  const earned = journey.data.earned;
  const nodes: Node[] = d.steps.map((s) => ({
    id: s.id,
    position: positions.get(s.id) ?? { x: 0, y: 0 },
    data: {
      label: (
        <div data-testid={`node-${s.id}`}>
          {s.id === d.start && <Tag color="blue">{t('journeys.start')}</Tag>}
          <StepLine step={s} />
          {counts[s.id] && <div style={{ fontSize: 11, opacity: 0.7 }}>{t('journeys.stepCounts', counts[s.id])}</div>}
          {earned?.steps[s.id] && (
            <div style={{ fontSize: 11, color: '#389e0d' }}>
              {t('journeys.stepEarned', { ...earned.steps[s.id], revenue: money(earned.steps[s.id].revenue) })}
            </div>
          )}
        </div>
      ),
    },
    style: { width: 260, fontSize: 12, border: bad.has(s.id) ? '2px solid #ff4d4f' : s.id === selected ? '2px solid #1677ff' : undefined },
  }));
  const edges: Edge[] = d.steps.flatMap((s) => {
    const labels =
      s.type === 'split'
        ? s.branches.map((b) => `${b.share}%`)
        : nextOf(s).length === 2
          ? [t('journeys.fields.yes'), t('journeys.fields.no')]
          : [''];
    return nextOf(s).flatMap((n, i) => (n === null ? [] : [{ id: `${s.id}-${i}-${n}`, source: s.id, target: n, label: labels[i] }]));
  });
  const setStep = (next: JourneyStep) => setDraft({ ...d, steps: d.steps.map((s) => (s.id === next.id ? next : s)) });
  const add = () => {
    let n = d.steps.length + 1;
    while (d.steps.some((s) => s.id === `${adding.replace('_', '-')}-${n}`)) n++;
    const created = newStep(adding, `${adding.replace('_', '-')}-${n}`);
    setDraft({ ...d, steps: [...d.steps, created] });
    setSelected(created.id);
  };
  const remove = () => {
    if (!step || d.steps.length === 1) return;
    const drop = (v: string | null) => (v === step.id ? null : v);
    const steps = d.steps
      .filter((s) => s.id !== step.id)
      .map((s): JourneyStep => {
        if (s.type === 'split') return { ...s, branches: s.branches.map((b) => ({ ...b, next: drop(b.next) })) };
        if ('yes' in s) return { ...s, yes: drop(s.yes), no: drop(s.no) };
        if ('next' in s) return { ...s, next: drop(s.next) };
        return s;
      });
    setDraft({ ...d, steps, start: d.start === step.id ? steps[0].id : d.start });
    setSelected(null);
  };
  const writable = can('automation.write');
  return (
    <Card
      title={journey.data.name}
      extra={
        <Space>
          <Button onClick={() => navigate('/automation')}>{t('journeys.back')}</Button>
          {writable && (
            <>
              <Button onClick={() => save.mutate(false)} loading={save.isPending} data-testid="journey-save">
                {t('journeys.saveDraft')}
              </Button>
              <Button type="primary" onClick={() => save.mutate(true)} loading={save.isPending} data-testid="journey-publish">
                {t('journeys.activate')}
              </Button>
            </>
          )}
        </Space>
      }
    >
      <Typography.Paragraph type="secondary">
        {triggerText(t, d)} · {t(`journeys.status.${journey.data.status}`)} · {t('journeys.version')} {journey.data.version ?? '—'}
      </Typography.Paragraph>
      {earned && (
        <Typography.Paragraph>
          <EarnedLine earned={earned} />
        </Typography.Paragraph>
      )}
      {problems.length > 0 && (
        <Alert
          type="error"
          style={{ marginBottom: 12 }}
          title={t('journeys.problems')}
          description={problems.map((p) => <div key={`${p.step}-${p.problem}`}>{p.problem}</div>)}
        />
      )}
      {writable && (
        <Space style={{ marginBottom: 12 }} wrap>
          <Select
            style={{ width: 200 }}
            value={adding}
            onChange={setAdding}
            virtual={false}
            data-testid="add-step-type"
            options={STEP_TYPES.map((x) => ({ value: x, label: t(`journeys.stepTypes.${x}`) }))}
          />
          <Button onClick={add} data-testid="add-step">
            {t('journeys.addStep')}
          </Button>
          <Button disabled={!step} onClick={() => step && setDraft({ ...d, start: step.id })} data-testid="make-start">
            {t('journeys.makeStart')}
          </Button>
          <Button danger disabled={!step || d.steps.length === 1} onClick={remove}>
            {t('journeys.deleteStep')}
          </Button>
        </Space>
      )}
      <Row gutter={16}>
        <Col span={15}>
          <div style={{ height: 560, border: '1px solid #f0f0f0' }} data-testid="journey-canvas">
            <ReactFlow
              nodes={nodes}
              edges={edges}
              onNodeClick={(_, n) => setSelected(n.id)}
              onPaneClick={() => setSelected(null)}
              fitView
              fitViewOptions={{ maxZoom: 1 }}
            >
              <Background />
              <Controls />
            </ReactFlow>
          </div>
        </Col>
        <Col span={9}>
          {step ? <StepPanel key={step.id} step={step} steps={d.steps} onChange={setStep} /> : <TriggerPanel d={d} onChange={setDraft} />}
        </Col>
      </Row>
    </Card>
  );
}
