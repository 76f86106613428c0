import { parentPort, workerData } from 'node:worker_threads';
import { calibrationVsHoldout, fitSummaries } from './clv.service.ts';
import { type ClvThreadJob, unpackSummaries } from './holdout.ts';

// A full recompute's CLV work on its own thread (see `holdout.ts`): the fit, or the calibration-vs-holdout check.
const job = workerData as ClvThreadJob;
parentPort?.postMessage(
  job.kind === 'fit'
    ? fitSummaries(unpackSummaries(job.summaries), job.opts)
    : calibrationVsHoldout(unpackSummaries(job.calibration), unpackSummaries(job.full), job.opts),
);
