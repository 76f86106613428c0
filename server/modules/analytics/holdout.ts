import { Worker } from 'node:worker_threads';
import { type Summary, calibrationVsHoldout } from './clv.service.ts';

/** Summaries as columns: a million objects cost a second to copy to a thread; five typed arrays move for free. */
type PackedSummaries = { customerId: Float64Array; x: Float64Array; tx: Float64Array; T: Float64Array; m: Float64Array };
type HoldoutOptions = Parameters<typeof calibrationVsHoldout>[2];
export type HoldoutJob = { calibration: PackedSummaries; full: PackedSummaries; opts: HoldoutOptions };
export type Holdout = ReturnType<typeof calibrationVsHoldout>;

function packSummaries(summaries: readonly Summary[]): PackedSummaries {
  const n = summaries.length;
  const p: PackedSummaries = { customerId: new Float64Array(n), x: new Float64Array(n), tx: new Float64Array(n), T: new Float64Array(n), m: new Float64Array(n) };
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

/**
 * `calibrationVsHoldout` on a worker thread, so the full recompute fits the model on its own thread meanwhile
 * (two fits of seconds each at a million customers, on two cores). If the thread cannot run, the check runs here.
 */
export function calibrationVsHoldoutAside(calibration: readonly Summary[], full: readonly Summary[], opts: HoldoutOptions): Promise<Holdout> {
  const job: HoldoutJob = { calibration: packSummaries(calibration), full: packSummaries(full), opts };
  const buffers = [job.calibration, job.full].flatMap((p) => Object.values(p).map((a: Float64Array) => a.buffer as ArrayBuffer));
  const here = () => calibrationVsHoldout(calibration, full, opts);
  return new Promise((resolve, reject) => {
    const settle = (fn: () => Holdout) => {
      try {
        resolve(fn());
      } catch (err) {
        reject(err);
      }
    };
    let done = false;
    const worker = new Worker(new URL('./holdout.thread.mjs', import.meta.url), { workerData: job, transferList: buffers });
    worker.once('message', (result: Holdout) => {
      done = true;
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', () => {
      done = true;
      settle(here);
    });
    worker.once('exit', () => {
      if (!done) settle(here);
    });
  });
}
