import type { Db } from '../db/index.ts';
import type { JobQueue } from '../jobs/index.ts';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Keyring } from './crypto.ts';
import type { Logger } from './logger.ts';
import type { ModuleRegistry } from './registry.ts';

/** What a running Patron hands to routes and jobs. Services take only the parts they need. */
export type AppContext = {
  config: Config;
  db: Db;
  keyring: Keyring;
  log: Logger;
  clock: Clock;
  queue: JobQueue;
  /** What every module declared about customers (their data, segment fields, 360 panels). */
  modules: ModuleRegistry;
};
