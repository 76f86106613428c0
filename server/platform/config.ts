import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

const envSchema = z.object({
  PATRON_DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().url().optional(),
  PATRON_HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PATRON_MASTER_KEY: z.string().optional(),
  /** A file holding the master key (a container secret, e.g. /run/secrets/patron_master_key); PATRON_MASTER_KEY wins. */
  PATRON_MASTER_KEY_FILE: z.string().optional(),
  PATRON_ADMIN_EMAIL: z.string().email().optional(),
  PATRON_ADMIN_PASSWORD: z.string().min(10).optional(),
  PATRON_TIME_ZONE: z.string().default('Asia/Shanghai'),
  PATRON_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PATRON_WORKERS: z.enum(['on', 'off']).default('on'),
  PATRON_TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  PATRON_BODY_LIMIT: z.coerce.number().int().positive().default(1_048_576),
  PATRON_DB_POOL: z.coerce.number().int().positive().default(10),
  PATRON_CHANGES_INTERVAL_MS: z.coerce.number().int().min(100).default(5000),
  PATRON_EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  PATRON_PUBLIC_URL: z.string().url().optional(),
  PATRON_SENDING_LEASE_MS: z.coerce.number().int().min(1000).default(300_000),
  PATRON_BOUNCE_SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  PATRON_SUPPORT_SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
});

export type Config = {
  dataDir: string;
  databaseUrl: string | undefined;
  host: string;
  port: number;
  masterKey: string | undefined;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  timeZone: string;
  logLevel: z.infer<typeof envSchema>['PATRON_LOG_LEVEL'];
  runWorkers: boolean;
  /** How often working processes pick up changed customers (metrics, segment membership). */
  changesIntervalMs: number;
  /** Days domain events are kept (browsable in Settings → Jobs) once every subscriber has them. */
  eventRetentionDays: number;
  /** Where customers reach this Patron (unsubscribe links, tracked links); default http://localhost:PORT. */
  publicUrl: string;
  /** A message `sending` longer than this was cut off by a crash (see messaging's resolveInterrupted). */
  sendingLeaseMs: number;
  /** Where returned mail (bounces, complaints) is received over SMTP, on PATRON_HOST; unset: not listening. */
  bounceSmtpPort: number | undefined;
  /** Where customers' mail to the support address is received over SMTP (it becomes tickets); unset: not listening. */
  supportSmtpPort: number | undefined;
  trustProxy: boolean;
  bodyLimit: number;
  dbPoolSize: number;
};

/** Reads configuration from the environment; throws one readable error listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  // An empty variable counts as unset (`DATABASE_URL= patron serve` means embedded).
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    dataDir: resolve(e.PATRON_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    host: e.PATRON_HOST,
    port: e.PORT,
    masterKey: e.PATRON_MASTER_KEY ?? (e.PATRON_MASTER_KEY_FILE ? readFileSync(e.PATRON_MASTER_KEY_FILE, 'utf8').trim() : undefined),
    adminEmail: e.PATRON_ADMIN_EMAIL,
    adminPassword: e.PATRON_ADMIN_PASSWORD,
    timeZone: e.PATRON_TIME_ZONE,
    logLevel: e.PATRON_LOG_LEVEL,
    runWorkers: e.PATRON_WORKERS === 'on',
    changesIntervalMs: e.PATRON_CHANGES_INTERVAL_MS,
    eventRetentionDays: e.PATRON_EVENT_RETENTION_DAYS,
    sendingLeaseMs: e.PATRON_SENDING_LEASE_MS,
    bounceSmtpPort: e.PATRON_BOUNCE_SMTP_PORT,
    supportSmtpPort: e.PATRON_SUPPORT_SMTP_PORT,
    publicUrl: (e.PATRON_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    trustProxy: e.PATRON_TRUST_PROXY === 'true',
    bodyLimit: e.PATRON_BODY_LIMIT,
    dbPoolSize: e.PATRON_DB_POOL,
    ...overrides,
  };
}
