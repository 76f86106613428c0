import { type ServiceSettings, type SlaPolicy, serviceSettings } from '../../../contracts/service.ts';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { AppError } from '../../platform/errors.ts';
import { readSetting, writeSetting } from '../system/index.ts';

export const serviceErrors = {
  notFound: (id: number) => new AppError('TICKET_NOT_FOUND', 'not_found', `Ticket ${id} does not exist.`),
  noCustomer: () => new AppError('TICKET_NO_CUSTOMER', 'invalid', 'Name the customer: customerId, or an e-mail, phone or external id.'),
  customerNotFound: (id: number) => new AppError('CUSTOMER_NOT_FOUND', 'not_found', `Customer ${id} does not exist.`),
  unknownQueue: (key: string) => new AppError('SERVICE_QUEUE_NOT_FOUND', 'invalid', `No service queue "${key}".`),
  unknownAgent: (id: number) =>
    new AppError('SERVICE_AGENT_NOT_FOUND', 'invalid', `User ${id} is not an active user who may answer tickets.`),
  merged: (id: number, into: number) => new AppError('TICKET_MERGED', 'conflict', `Ticket ${id} was merged into ${into}.`, { into }),
  mergeSelf: () => new AppError('TICKET_MERGE_SELF', 'invalid', 'A ticket cannot be merged into itself.'),
  mergeOtherCustomer: () => new AppError('TICKET_MERGE_OTHER_CUSTOMER', 'conflict', 'Only tickets of the same customer can be merged.'),
  splitNothing: () =>
    new AppError('TICKET_SPLIT_NOTHING', 'invalid', 'Choose customer messages of this ticket to split off (not all of them).'),
  macroNotFound: (key: string) => new AppError('SERVICE_MACRO_NOT_FOUND', 'not_found', `No macro "${key}".`),
  duplicateKeys: (what: string) => new AppError('SERVICE_SETTINGS_INVALID', 'invalid', `Two ${what} share a key.`),
};

const KEY = 'service';
export const DEFAULT_SERVICE: ServiceSettings = serviceSettings.parse({});

/** The service desk as configured (its defaults where nothing was saved). */
export const serviceSettingsOf = async (db: Db): Promise<ServiceSettings> =>
  serviceSettings.parse(await readSetting(db, KEY, DEFAULT_SERVICE));

export function writeServiceSettings(db: Db, value: ServiceSettings, actor: Actor) {
  for (const [what, keys] of [
    ['queues', value.queues.map((q) => q.key)],
    ['SLA policies', value.policies.map((p) => p.key)],
    ['macros', value.macros.map((m) => m.key)],
  ] as const)
    if (new Set(keys).size !== keys.length) throw serviceErrors.duplicateKeys(what);
  return writeSetting(db, { key: KEY, value, fallback: DEFAULT_SERVICE, actor });
}

export const queueOf = (s: ServiceSettings, key: string | null) => (key === null ? undefined : s.queues.find((q) => q.key === key));

/** The business hours a ticket's clocks count in: its queue's, else the desk's. */
export const calendarOf = (s: ServiceSettings, queue: string | null) => queueOf(s, queue)?.calendar ?? s.calendar;

/** The first policy whose lists all match the ticket (an empty list matches anything). */
export const policyFor = (s: ServiceSettings, t: { priority: string; type: string; channel: string }): SlaPolicy | undefined =>
  s.policies.find(
    (p) =>
      (p.priorities.length === 0 || p.priorities.includes(t.priority as never)) &&
      (p.types.length === 0 || p.types.includes(t.type as never)) &&
      (p.channels.length === 0 || p.channels.includes(t.channel as never)),
  );

/** The queue a new ticket lands in: the one named, else the first whose types include the ticket's. */
export function queueFor(s: ServiceSettings, named: string | undefined | null, type: string): string | null {
  if (named) {
    if (!queueOf(s, named)) throw serviceErrors.unknownQueue(named);
    return named;
  }
  return s.queues.find((q) => q.types.includes(type as never))?.key ?? null;
}
