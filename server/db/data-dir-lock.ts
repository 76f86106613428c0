import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { AppError } from '../platform/errors.ts';

/**
 * The embedded database belongs to one process: PGlite keeps the database in memory and writes it to the data
 * directory, so a second process opening the same directory (a CLI command beside `npm start`) would see a stale copy
 * (an API key it creates answers 401 in the server) and two writers can corrupt it. The process that opens the
 * directory holds `<dir>.lock` (its pid) until it closes; another live process refuses with what to do instead.
 * A lock left by a process that died is taken over.
 */
export type DataDirLock = { release(): void };

type Holder = { pid: number; command: string; since: string };

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export const dataDirErrors = {
  inUse: (dir: string, h: Holder) =>
    new AppError(
      'DATA_DIR_IN_USE',
      'conflict',
      `The embedded database in ${dir} is open in another Patron process (pid ${h.pid}, "${h.command}", since ${h.since}). ` +
        'An embedded database serves one process: stop that process and run this command again, or run Patron on PostgreSQL (DATABASE_URL), where the server, workers and CLI commands share one database.',
      { pid: h.pid },
    ),
};

function readHolder(file: string): Holder | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Holder;
  } catch {
    return null;
  }
}

export function lockDataDir(dir: string): DataDirLock {
  // Beside the database's directory, not in it: PostgreSQL owns what is inside.
  const file = `${dir}.lock`;
  const me: Holder = { pid: process.pid, command: process.argv.slice(2).join(' ') || 'patron', since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      const release = () => {
        if (readHolder(file)?.pid === process.pid) unlinkSync(file);
        process.off('exit', release);
      };
      process.on('exit', release);
      return { release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(file);
      if (holder && holder.pid !== process.pid && alive(holder.pid)) throw dataDirErrors.inUse(dir, holder);
      // A lock of a process that is gone, or of this one (a test opening a directory twice): taken over.
      unlinkSync(file);
    }
  }
  throw dataDirErrors.inUse(dir, readHolder(file) ?? { pid: 0, command: '?', since: '?' });
}
