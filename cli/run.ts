import { SingleBar } from 'cli-progress';
import { InvalidArgumentError, Option } from 'commander';
import { ROLES } from '../contracts/permissions.ts';

export const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
};

export const roleOption = () => new Option('--role <role>', 'role').choices(ROLES).makeOptionMandatory();

/** Runs a command action: one clear line and exit code 1 on failure, never a stack trace. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`patron: ${message}\n`);
      process.exit(1);
    }
  };
}

/** A progress bar on stderr (silent when stderr is not a terminal). */
export function progressBar(label: string) {
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% | {value}/{total} {detail}`,
    stream: process.stderr,
    noTTYOutput: false,
    hideCursor: true,
  });
  let started = false;
  return {
    update(value: number, total: number, detail = '') {
      if (!started) {
        bar.start(total, 0, { detail });
        started = true;
      }
      bar.setTotal(total);
      bar.update(value, { detail });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export const print = (line: string) => process.stdout.write(`${line}\n`);
