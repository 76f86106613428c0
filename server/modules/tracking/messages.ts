import { z } from 'zod';

/** Segment-spec messages (also what RudderStack sends). Unknown fields are kept in `context`/`properties`. */
const record = z.record(z.string(), z.unknown());
const id = z
  .union([z.string(), z.number()])
  .transform((v) => String(v))
  .pipe(z.string().min(1).max(200));

const common = {
  userId: id.nullish(),
  anonymousId: id.nullish(),
  messageId: z.string().max(100).nullish(),
  timestamp: z.string().nullish(),
  originalTimestamp: z.string().nullish(),
  sentAt: z.string().nullish(),
  context: record.nullish(),
  integrations: record.nullish(),
};

export const message = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('identify'), traits: record.nullish(), ...common }),
    z.object({ type: z.literal('track'), event: z.string().min(1).max(200), properties: record.nullish(), ...common }),
    z.object({
      type: z.literal('page'),
      name: z.string().max(200).nullish(),
      category: z.string().nullish(),
      properties: record.nullish(),
      ...common,
    }),
    z.object({ type: z.literal('screen'), name: z.string().max(200).nullish(), properties: record.nullish(), ...common }),
    z.object({ type: z.literal('group'), groupId: id, traits: record.nullish(), ...common }),
    z.object({ type: z.literal('alias'), previousId: id, ...common }),
  ])
  .refine((m) => Boolean(m.userId || m.anonymousId || (m.type === 'alias' && m.previousId)), {
    message: 'userId or anonymousId is required',
  });
export type Message = z.infer<typeof message>;

export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_BATCH_BYTES = 500 * 1024;
export const MAX_BATCH_EVENTS = 2500;

const parseTime = (v: string | null | undefined): number | null => {
  if (!v) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
};

/**
 * When it happened: the client's time corrected for clock skew when sentAt is known
 * (`timestamp = receivedAt − (sentAt − originalTimestamp)`); RudderStack sends `originalTimestamp`.
 */
export function occurredAt(
  m: Pick<Message, 'timestamp' | 'originalTimestamp' | 'sentAt'>,
  batchSentAt: string | null | undefined,
  receivedAt: Date,
): Date {
  const original = parseTime(m.timestamp) ?? parseTime(m.originalTimestamp);
  const sentAt = parseTime(m.sentAt) ?? parseTime(batchSentAt);
  if (original === null) return receivedAt;
  if (sentAt === null) return new Date(original);
  return new Date(receivedAt.getTime() - (sentAt - original));
}
