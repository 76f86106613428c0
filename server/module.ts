import type { FastifyInstance } from 'fastify';
import type { Db } from './db/index.ts';
import type { EventSubscription } from './events/index.ts';
import type { AnyRoute } from './http/route.ts';
import type { AnyJob } from './jobs/index.ts';
import type { AppContext } from './platform/context.ts';
import type { EncryptedColumns } from './platform/keyring.ts';
import type { CustomerData, CustomerPanel, MessageScope, ModuleRegistry, SegmentField } from './platform/registry.ts';

/** Work every working process repeats every few seconds (each run takes what it can with SKIP LOCKED). */
export type Poller = {
  name: string;
  run(ctx: AppContext): Promise<number>;
  /** How long to wait after a pass that found nothing, at most (default and ceiling: `changesIntervalMs`). */
  idleMs?: number;
};

/** A figure `/metrics` reads from the module's tables when scraped (queue depth, failures, breaches …). */
export type Gauge = {
  name: `patron_${string}`;
  help: string;
  labels: readonly string[];
  read(db: Db, now: Date): Promise<{ labels: Record<string, string>; value: number }[]>;
};

/**
 * Everything a module adds to Patron, declared once in its index.ts. The composition root (server/modules.ts) lists
 * the modules; merge, DSR export, erasure, import undo, change marking, the 360 API, the rule builder and the event
 * dispatcher read the declarations, so adding a module edits no other module.
 */
export type Module = {
  name: string;
  routes?: readonly AnyRoute[];
  /** HTTP surfaces outside /api/v1 with their own protocol (the Segment-compatible /v1 tracking API, webhooks). */
  plugins?: readonly ((app: FastifyInstance, ctx: AppContext) => Promise<void>)[];
  jobs?: readonly AnyJob<AppContext>[];
  pollers?: readonly Poller[];
  /**
   * Tables of other modules this module's SQL reads — its read side, written down (house rule 2). It writes only its
   * own tables; server/ownership.test.ts holds it to both.
   */
  reads?: readonly string[];
  /** Columns stored encrypted (re-encrypted by key rotation). */
  encryptedColumns?: readonly EncryptedColumns[];
  /** The module's tables that hold rows of a customer, and how those rows follow the person. */
  customerData?: readonly CustomerData[];
  segmentFields?: readonly SegmentField[];
  panels?: readonly CustomerPanel[];
  /** Per-person values message templates may print. */
  messageScopes?: readonly MessageScope[];
  /** Figures for `/metrics`, read from the module's own tables when scraped. */
  gauges?: readonly Gauge[];
  /** Domain events the module reacts to; each is delivered once, in order per customer. */
  subscriptions?: readonly EventSubscription[];
  /** Runs after migrations on every start, before any work (idempotent: database objects derived from declarations). */
  prepare?: (db: Db, registry: ModuleRegistry) => Promise<void>;
};

export const defineModule = (m: Module): Module => m;

/** The customer declarations of every module, checked for clashes once at startup. */
export function assembleRegistry(modules: readonly Module[]): ModuleRegistry {
  const customerData = modules.flatMap((m) => m.customerData ?? []);
  const segmentFields = modules.flatMap((m) => m.segmentFields ?? []);
  const panels = modules.flatMap((m) => m.panels ?? []);
  const messageScopes = modules.flatMap((m) => m.messageScopes ?? []);
  for (const [what, keys] of [
    ['customer table', customerData.map((d) => d.table)],
    ['segment field', segmentFields.map((f) => f.key)],
    ['360 panel', panels.map((p) => p.key)],
    ['event subscriber', modules.flatMap((m) => (m.subscriptions ?? []).map((s) => s.name))],
    ['message variable', messageScopes.flatMap((s) => s.names)],
  ] as const) {
    const seen = new Set<string>();
    for (const k of keys) {
      if (seen.has(k)) throw new Error(`Two modules declare the ${what} "${k}"`);
      seen.add(k);
    }
  }
  return { customerData, segmentFields, panels, messageScopes };
}
