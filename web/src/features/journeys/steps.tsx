import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { JourneyDefinition, JourneyStep } from '../../../../contracts/journeys.ts';

/** One step as a sentence: what it does and where its ways out lead. */
export function StepLine({ step }: { step: JourneyStep }) {
  const { t } = useTranslation();
  const to = (id: string | null) => id ?? t('journeys.end');
  const what = (() => {
    switch (step.type) {
      case 'wait':
        return t('journeys.steps.wait', { minutes: step.minutes });
      case 'wait_until':
        return t('journeys.steps.waitUntil', { time: step.time });
      case 'wait_event':
        return t('journeys.steps.waitEvent', { event: step.event, minutes: step.minutes, yes: to(step.yes), no: to(step.no) });
      case 'condition':
        return t('journeys.steps.condition', { yes: to(step.yes), no: to(step.no) });
      case 'order_status':
        return t('journeys.steps.orderStatus', { statuses: step.statuses.join(', '), yes: to(step.yes), no: to(step.no) });
      case 'split':
        return t('journeys.steps.split', { branches: step.branches.map((b) => `${b.share}% → ${to(b.next)}`).join(', ') });
      case 'recommend':
        return t('journeys.steps.recommend', { limit: step.limit, yes: to(step.yes), no: to(step.no) });
      case 'message':
        return t('journeys.steps.message', { template: step.template });
      case 'coupon':
        return t('journeys.steps.coupon', { template: step.templateId });
      case 'survey':
        return t('journeys.steps.survey', { survey: step.surveyId });
      case 'tag':
        return t(step.remove ? 'journeys.steps.untag' : 'journeys.steps.tag', { tag: step.tag });
      case 'attribute':
        return t('journeys.steps.attribute', { key: step.key, value: step.value === null ? '—' : String(step.value) });
      case 'points':
        return t('journeys.steps.points', { points: step.points, reason: step.reason });
      case 'ticket':
        return t('journeys.steps.ticket', { subject: step.subject });
      case 'webhook':
        return t('journeys.steps.webhook', { name: step.name });
      case 'task':
        return t('journeys.steps.task', { title: step.title, hours: step.dueInHours });
      case 'exit':
        return t('journeys.steps.exit');
    }
  })();
  return (
    <Typography.Text>
      <Typography.Text code>{step.id}</Typography.Text> {what}
    </Typography.Text>
  );
}

export function triggerText(t: (k: string, o?: Record<string, unknown>) => string, d: JourneyDefinition): string {
  const tr = d.trigger;
  if (tr.type === 'order')
    return t('journeys.trigger.order', { event: t(`journeys.orderEvents.${tr.event}`), min: (tr.minTotal / 100).toFixed(2) });
  if (tr.type === 'segment') return t(`journeys.trigger.segment.${tr.on}`, { id: tr.segmentId });
  if (tr.type === 'event') return t('journeys.trigger.event', { name: tr.name });
  if (tr.type === 'product')
    return t(`journeys.trigger.product.${tr.on}`, { percent: tr.minDropPercent, events: tr.events.join(' / '), days: tr.withinDays });
  if (tr.type === 'survey') return t('journeys.trigger.survey', { min: tr.npsMin, max: tr.npsMax });
  if (tr.type === 'return') return t('journeys.trigger.return', { states: tr.states.map((s) => t(`returns.states.${s}`)).join(' / ') });
  if (tr.type === 'holiday')
    return t('journeys.trigger.holiday', {
      holiday: tr.holiday === 'custom' ? (tr.date ?? '') : t(`journeys.holidays.${tr.holiday}`),
      offset: tr.offsetDays,
      time: tr.time,
    });
  if (tr.type === 'date')
    return t('journeys.trigger.date', {
      offset: tr.offsetDays,
      field: t(`journeys.dateFields.${tr.field.startsWith('attribute:') ? 'attribute' : tr.field}`),
      calendar: t(`journeys.calendars.${tr.calendar}`),
      time: tr.time,
    });
  return t('journeys.trigger.manual');
}
