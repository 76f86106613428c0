import { parentPort, workerData } from 'node:worker_threads';
import { calibrationVsHoldout } from './clv.service.ts';
import { type HoldoutJob, unpackSummaries } from './holdout.ts';

// The calibration-vs-holdout check of a full recompute, on its own thread (see `holdout.ts`).
const job = workerData as HoldoutJob;
parentPort?.postMessage(calibrationVsHoldout(unpackSummaries(job.calibration), unpackSummaries(job.full), job.opts));
