import type { TemplateBody } from '../../../contracts/messaging.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { installMissingTemplates } from '../messaging/index.ts';
import { CSAT_TEMPLATES } from './csat.ts';
import { REPLY_TEMPLATES } from './conversation.ts';

const SYSTEM: Actor = { type: 'system', id: null, label: 'service desk', ip: null };

const ratingLinks = (labels: readonly string[]) =>
  labels.map((l, i) => `<a href="{{ survey_url }}?rating=${i + 1}" style="margin-right:8px">${i + 1} ${l}</a>`).join('');

/** The messages the desk sends, shipped as ordinary templates the store may reword (transactional: no consent needed). */
export const SERVICE_TEMPLATES: TemplateBody[] = [
  {
    key: REPLY_TEMPLATES.email,
    name: '客服回复 / Service reply',
    channel: 'email',
    purpose: 'transactional',
    subject: { 'zh-CN': 'Re: {{ ticket.subject }} [#{{ ticket.id }}]', en: 'Re: {{ ticket.subject }} [#{{ ticket.id }}]' },
    body: {
      'zh-CN':
        '<p>{{ reply.body | escape | newline_to_br }}</p><p>— {{ agent.name }}，{{ store.name }}</p><p style="color:#888">直接回复此邮件即可继续沟通。</p>',
      en: '<p>{{ reply.body | escape | newline_to_br }}</p><p>— {{ agent.name }}, {{ store.name }}</p><p style="color:#888">Reply to this e-mail to continue.</p>',
    },
    quietHours: false,
  },
  {
    key: REPLY_TEMPLATES.sms,
    name: '客服短信回复 / Service SMS reply',
    channel: 'sms',
    purpose: 'transactional',
    body: { 'zh-CN': '{{ reply.body }}', en: '{{ reply.body }}' },
    quietHours: true,
  },
  {
    key: CSAT_TEMPLATES.email,
    name: '服务评价邀请 / CSAT request',
    channel: 'email',
    purpose: 'transactional',
    subject: { 'zh-CN': '您对本次服务满意吗？[#{{ ticket.id }}]', en: 'How did we do? [#{{ ticket.id }}]' },
    body: {
      'zh-CN': `<p>您好，关于“{{ ticket.subject }}”的问题已处理。请为本次服务打分：</p><p>${ratingLinks(['非常不满意', '不满意', '一般', '满意', '非常满意'])}</p>`,
      en: `<p>Hello, your request “{{ ticket.subject }}” was solved. Please rate our help:</p><p>${ratingLinks(['Very dissatisfied', 'Dissatisfied', 'Neutral', 'Satisfied', 'Very satisfied'])}</p>`,
    },
    quietHours: true,
  },
  {
    key: CSAT_TEMPLATES.sms,
    name: '服务评价短信 / CSAT SMS',
    channel: 'sms',
    purpose: 'transactional',
    body: { 'zh-CN': '您的问题已处理，请为本次服务打分：{{ survey_url }}', en: 'Your request was solved. Rate our help: {{ survey_url }}' },
    quietHours: true,
  },
];

/** Installs the shipped templates a store does not have yet. */
export const ensureServiceTemplates = (db: Db, now: Date) => installMissingTemplates(db, SERVICE_TEMPLATES, SYSTEM, now);
