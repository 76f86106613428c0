import type { TemplateBody } from '../../../contracts/messaging.ts';
import type { Db } from '../../db/index.ts';
import { installMissingTemplates } from '../messaging/index.ts';

export const SURVEY_TEMPLATES = { email: 'surveys.invite', sms: 'surveys.invite.sms' } as const;

/** The invitation, shipped as ordinary templates the store may reword (a service message: quiet hours apply). */
const TEMPLATES: TemplateBody[] = [
  {
    key: SURVEY_TEMPLATES.email,
    name: '问卷邀请 / Survey invitation',
    channel: 'email',
    purpose: 'transactional',
    subject: { 'zh-CN': '{{ store.name }} 想听听您的意见', en: '{{ store.name }} would like your opinion' },
    body: {
      'zh-CN':
        '<p>您好，邀请您花一两分钟回答几个问题，帮助我们做得更好。</p><p><a href="{{ survey_url }}">开始填写</a></p><p>— {{ store.name }}</p>',
      en: '<p>Hello, would you spare a minute or two for a few questions? It helps us do better.</p><p><a href="{{ survey_url }}">Start</a></p><p>— {{ store.name }}</p>',
    },
    quietHours: true,
  },
  {
    key: SURVEY_TEMPLATES.sms,
    name: '问卷邀请短信 / Survey invitation SMS',
    channel: 'sms',
    purpose: 'transactional',
    body: {
      'zh-CN': '邀请您参与满意度调查，一两分钟即可：{{ survey_url }}',
      en: 'Tell us how we did, it takes a minute: {{ survey_url }}',
    },
    quietHours: true,
  },
];

export const ensureSurveyTemplates = (db: Db, now: Date) =>
  installMissingTemplates(db, TEMPLATES, { type: 'system', id: null, label: 'surveys', ip: null }, now);
