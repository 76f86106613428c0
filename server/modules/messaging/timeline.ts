import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/index.ts';
import { insertEvents } from '../events/index.ts';

/**
 * What the customer did with a message, as their timeline and segment conditions see it (tracked event names). What
 * Patron did (sent, delivered, bounced) stays on the message and the 360's Messages panel: an event would count as
 * the customer being seen (`last_seen_at`) when they did nothing.
 */
export const MESSAGE_EVENTS = {
  opened: 'Message Opened',
  clicked: 'Message Clicked',
  unsubscribed: 'Unsubscribed',
} as const;

export type MessageEvent = {
  customerId: number;
  kind: keyof typeof MESSAGE_EVENTS;
  /** The message it is about (an unsubscribe by reply names none). */
  messageId: number | null;
  properties: Record<string, unknown>;
  at: Date;
  /** Once per message (deduplicated by message and kind); opens and clicks each count. */
  once: boolean;
};

/** Writes message events to the customer's timeline (the events module's table, through its loader). */
export async function recordMessageEvents(db: Db, events: readonly MessageEvent[]): Promise<void> {
  await insertEvents(
    db,
    events.map((e) => ({
      customerId: e.customerId,
      anonymousId: null,
      type: 'track' as const,
      name: MESSAGE_EVENTS[e.kind],
      properties: e.messageId === null ? e.properties : { messageId: e.messageId, ...e.properties },
      occurredAt: e.at,
      receivedAt: e.at,
      messageId: e.once && e.messageId !== null ? `patron-message-${e.messageId}-${e.kind}` : randomUUID(),
    })),
  );
}
