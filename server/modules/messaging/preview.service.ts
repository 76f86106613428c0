import type { RenderedMessage, TemplateBody } from '../../../contracts/messaging.ts';
import type { AppContext } from '../../platform/context.ts';
import { maskEmail, maskPhone } from '../../platform/mask.ts';
import { customerErrors } from '../customers/index.ts';
import { storeSettingsOf } from '../system/index.ts';
import { recipientsOf } from './recipients.ts';
import { renderMessage } from './render.ts';
import { messagingRulesOf } from './settings.ts';
import { SAMPLE_SCOPE } from './templates.service.ts';

export type PreviewOptions = {
  template: TemplateBody;
  customerId?: number;
  language?: 'zh-CN' | 'en';
  variables?: Record<string, unknown>;
  reveal: boolean;
};

/** A template as a chosen customer (or the sample person) would get it, with the SMS length and parts. */
export async function previewTemplate(ctx: AppContext, o: PreviewOptions): Promise<RenderedMessage> {
  const [store, rules] = await Promise.all([storeSettingsOf(ctx), messagingRulesOf(ctx.db)]);
  let scope: Record<string, unknown> = SAMPLE_SCOPE;
  let to: string | null = null;
  let language = o.language;
  if (o.customerId) {
    const r = (await recipientsOf(ctx.db, ctx.keyring, [o.customerId])).get(o.customerId);
    if (!r || r.gone) throw customerErrors.notFound(o.customerId);
    scope = { ...SAMPLE_SCOPE, ...r.scope };
    const address = o.template.channel === 'email' ? r.email : r.phone;
    to = address && !o.reveal ? (o.template.channel === 'email' ? maskEmail(address) : maskPhone(address)) : address;
    language ??= r.language ?? undefined;
  }
  return renderMessage(
    o.template,
    { ...scope, store: { name: store.name }, ...o.variables },
    {
      language: language ?? 'zh-CN',
      timeZone: store.timeZone,
      currency: store.currency,
      smsSignature: rules.smsSignature,
      marketingSmsSuffix: rules.marketingSmsSuffix,
      to,
    },
  );
}
