import type { MessagingRules } from '../../../contracts/messaging.ts';
import { nextAllowed } from './quiet-hours.ts';
import type { Recipient } from './recipients.ts';

export type Due = {
  id: number;
  customerId: number | null;
  channel: 'email' | 'sms';
  purpose: 'transactional' | 'marketing';
  notBefore: Date;
};
export type Budget = { day: number; week: number };

/** What happens to a due message now: sent, skipped with a reason, or moved out of quiet hours. */
export type Decision =
  | { kind: 'send'; to: string }
  | { kind: 'skip'; reason: 'no_consent' | 'suppressed' | 'no_contact' | 'cap' | 'erased' | 'template_missing' }
  | { kind: 'reschedule'; at: Date };

export type DecideInput = {
  message: Due;
  recipient: Recipient | undefined;
  templateFound: boolean;
  /** The template keeps quiet hours (marketing always does). */
  quiet: boolean;
  consented: boolean;
  suppressed: boolean;
  budget: Budget;
  rules: MessagingRules;
  storeTimeZone: string;
  now: Date;
};

/**
 * The checks made when a message is about to go, not when it was queued — consent withdrawn in between stops it:
 * the person (erased, merged away), the template, a contact on the channel, suppression, consent (marketing), quiet
 * hours (rescheduled to their end, never dropped), then the marketing budget across every channel.
 */
export function decide(d: DecideInput): Decision {
  const { message: m, recipient: r } = d;
  if (!r || r.gone) return { kind: 'skip', reason: 'erased' };
  if (!d.templateFound) return { kind: 'skip', reason: 'template_missing' };
  const to = m.channel === 'email' ? r.email : r.phone;
  if (!to) return { kind: 'skip', reason: 'no_contact' };
  if (d.suppressed) return { kind: 'skip', reason: 'suppressed' };
  if (m.purpose === 'marketing' && !d.consented) return { kind: 'skip', reason: 'no_consent' };
  if (d.quiet || m.purpose === 'marketing') {
    const at = nextAllowed(d.now, r.timeZone ?? d.storeTimeZone, [d.rules.quietHours, ...d.rules.extraQuiet]);
    if (at.getTime() > d.now.getTime()) return { kind: 'reschedule', at };
  }
  if (m.purpose === 'marketing') {
    const cap = d.rules.caps.marketing;
    if (d.budget.day >= cap.day || d.budget.week >= cap.week) return { kind: 'skip', reason: 'cap' };
  }
  return { kind: 'send', to };
}
