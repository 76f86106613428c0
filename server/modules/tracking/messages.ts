/**
 * Segment-spec messages (also what RudderStack sends), checked by hand: a batch's messages are checked on the tracking
 * API's answer path, where a schema library's generic parse was a fifth of the server's time. Each type's fields are
 * declared once (`SHAPES`); the check, the `Message` type and the reasons given for a rejected message follow from it.
 * Fields not declared are dropped; `context`, `properties` and `traits` are kept whole.
 */
type Field = {
  /** A JSON object; a string; or an id, a string or a number, kept as a string. */
  readonly is: 'record' | 'string' | 'id';
  readonly min?: number;
  readonly max?: number;
  readonly required?: true;
};

const ID = { is: 'id', min: 1, max: 200 } as const;
const RECORD = { is: 'record' } as const;
const COMMON = {
  userId: ID,
  anonymousId: ID,
  messageId: { is: 'string', max: 100 },
  timestamp: { is: 'string' },
  originalTimestamp: { is: 'string' },
  sentAt: { is: 'string' },
  context: RECORD,
  integrations: RECORD,
} as const satisfies Record<string, Field>;
const NAME = { is: 'string', max: 200 } as const;

const SHAPES = {
  identify: { ...COMMON, traits: RECORD },
  track: { ...COMMON, event: { is: 'string', min: 1, max: 200, required: true }, properties: RECORD },
  page: { ...COMMON, name: NAME, category: { is: 'string' }, properties: RECORD },
  screen: { ...COMMON, name: NAME, properties: RECORD },
  group: { ...COMMON, groupId: { ...ID, required: true }, traits: RECORD },
  alias: { ...COMMON, previousId: { ...ID, required: true } },
} as const satisfies Record<string, Record<string, Field>>;

type Shapes = typeof SHAPES;
type ValueOf<F extends Field> = F['is'] extends 'record' ? Record<string, unknown> : string;
type Fields<S extends Record<string, Field>> = {
  [K in keyof S as S[K] extends { required: true } ? K : never]: ValueOf<S[K]>;
} & { [K in keyof S as S[K] extends { required: true } ? never : K]?: ValueOf<S[K]> | null };
export type Message = { [T in keyof Shapes]: { type: T } & Fields<Shapes[T]> }[keyof Shapes];

const TYPES = Object.keys(SHAPES) as (keyof Shapes)[];
/** Each type's fields as a list, made once: a message is checked field by field. */
const FIELDS = Object.fromEntries(Object.entries(SHAPES).map(([type, shape]) => [type, Object.entries(shape)])) as Record<
  keyof Shapes,
  [string, Field][]
>;
const isType = (v: unknown): v is keyof Shapes => typeof v === 'string' && Object.hasOwn(SHAPES, v);

function describe(f: Field): string {
  if (f.is === 'record') return 'a JSON object';
  const kind = f.is === 'id' ? 'a string or number' : 'a string';
  if (f.min !== undefined && f.max !== undefined) return `${kind} of ${f.min} to ${f.max} characters`;
  return f.max !== undefined ? `${kind} of at most ${f.max} characters` : kind;
}

export const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A field's value as the message keeps it, or `undefined` when it is not valid. */
function fieldValue(f: Field, v: unknown): unknown {
  if (f.is === 'record') return isRecord(v) ? v : undefined;
  const s = typeof v === 'string' ? v : f.is === 'id' && typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
  if (s === undefined || s.length < (f.min ?? 0) || s.length > (f.max ?? Number.POSITIVE_INFINITY)) return undefined;
  return s;
}

/** A message, or each reason it is not one (`field: what it must be`). */
export function checkMessage(input: unknown): { message: Message } | { reasons: string[] } {
  if (!isRecord(input)) return { reasons: ['message: must be a JSON object'] };
  const raw = input;
  if (!isType(raw.type)) return { reasons: [`type: must be one of ${TYPES.join(', ')}`] };
  const out: Record<string, unknown> = { type: raw.type };
  const reasons: string[] = [];
  for (const [name, f] of FIELDS[raw.type]) {
    const v = raw[name];
    if (v === undefined || v === null) {
      if (f.required) reasons.push(`${name}: is required, ${describe(f)}`);
      else if (v === null) out[name] = null;
      continue;
    }
    const value = fieldValue(f, v);
    if (value === undefined) reasons.push(`${name}: must be ${describe(f)}`);
    else out[name] = value;
  }
  if (reasons.length === 0 && !(out.userId || out.anonymousId || out.previousId))
    reasons.push('message: userId or anonymousId is required');
  return reasons.length > 0 ? { reasons } : { message: out as Message };
}
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
 * (`timestamp = receivedAt − (sentAt − originalTimestamp)`); RudderStack sends `originalTimestamp`. Null when the
 * message gives no time of its own: it happened when received.
 */
export function occurredAt(
  m: Pick<Message, 'timestamp' | 'originalTimestamp' | 'sentAt'>,
  batchSentAt: string | null | undefined,
  receivedAt: Date,
): Date | null {
  const original = parseTime(m.timestamp) ?? parseTime(m.originalTimestamp);
  const sentAt = parseTime(m.sentAt) ?? parseTime(batchSentAt);
  if (original === null) return null;
  if (sentAt === null) return new Date(original);
  return new Date(receivedAt.getTime() - (sentAt - original));
}
