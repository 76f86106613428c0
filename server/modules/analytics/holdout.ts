import { Worker } from 'node:worker_threads';
import { type Summary, calibrationVsHoldout, fitSummaries } from './clv.service.ts';

/** Summaries as columns: a million objects cost a second to copy to a thread; five typed arrays move for free. */
type PackedSummaries = { customerId: Float64Array; x: Float64Array; tx: Float64Array; T: Float64Array; m: Float64Array };
type HoldoutOptions = Parameters<typeof calibrationVsHoldout>[2];
type FitOptions = Parameters<typeof fitSummaries>[1];
/** What a CLV thread computes: the holdout check, or the fit itself. */
export type ClvThreadJob =
  | { kind: 'holdout'; calibration: PackedSummaries; full: PackedSummaries; opts: HoldoutOptions }
  | { kind: 'fit'; summaries: PackedSummaries; opts: FitOptions };
export type Holdout = ReturnType<typeof calibrationVsHoldout>;
export type Fitted = ReturnType<typeof fitSummaries>;

function packSummaries(summaries: readonly Summary[]): PackedSummaries {
  const n = summaries.length;
  const p: PackedSummaries = {
    customerId: new Float64Array(n),
    x: new Float64Array(n),
    tx: new Float64Array(n),
    T: new Float64Array(n),
    m: new Float64Array(n),
  };
  summaries.forEach((s, i) => {
    p.customerId[i] = s.customerId;
    p.x[i] = s.x;
    p.tx[i] = s.tx;
    p.T[i] = s.T;
    p.m[i] = s.m;
  });
  return p;
}

export function unpackSummaries(p: PackedSummaries): Summary[] {
  return Array.from(p.customerId, (customerId, i) => ({ customerId, x: p.x[i], tx: p.tx[i], T: p.T[i], m: p.m[i] }));
}

/** Runs a CLV job on a worker thread (its columns moved, not copied); if the thread cannot run, `here` computes it. */
function onThread<T>(job: ClvThreadJob, packed: readonly PackedSummaries[], here: () => T): Promise<T> {
  const buffers = packed.flatMap((p) => Object.values(p).map((a: Float64Array) => a.buffer as ArrayBuffer));
  return new Promise((resolve, reject) => {
    const settle = () => {
      try {
        resolve(here());
      } catch (err) {
        reject(err);
      }
    };
    let done = false;
    const worker = new Worker(new URL('./holdout.thread.mjs', import.meta.url), { workerData: job, transferList: buffers });
    worker.once('message', (result: T) => {
      done = true;
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', () => {
      done = true;
      settle();
    });
    worker.once('exit', () => {
      if (!done) settle();
    });
  });
}

/**
 * `calibrationVsHoldout` on a worker thread, so the full recompute fits the model on its own thread meanwhile
 * (two fits of seconds each at a million customers, on two cores).
 */
export function calibrationVsHoldoutAside(
  calibration: readonly Summary[],
  full: readonly Summary[],
  opts: HoldoutOptions,
): Promise<Holdout> {
  const job = { kind: 'holdout' as const, calibration: packSummaries(calibration), full: packSummaries(full), opts };
  return onThread(job, [job.calibration, job.full], () => calibrationVsHoldout(calibration, full, opts));
}

/**
 * `fitSummaries` on a worker thread: seconds of numerics off the thread that serves requests (on the embedded
 * database, also the thread every query runs on).
 */
export function fitSummariesAside(summaries: readonly Summary[], opts: FitOptions): Promise<Fitted> {
  const job = { kind: 'fit' as const, summaries: packSummaries(summaries), opts };
  return onThread(job, [job.summaries], () => fitSummaries(summaries, opts));
}
