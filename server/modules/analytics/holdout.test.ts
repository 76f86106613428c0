import { describe, expect, it } from 'vitest';
import { calibrationVsHoldout, fitSummaries } from './clv.service.ts';
import { calibrationVsHoldoutAside, fitSummariesAside } from './holdout.ts';

describe('the holdout check on a worker thread', () => {
  it('gives what the check gives on this thread', async () => {
    // Buyers with 0–6 repeat weeks in calibration, most buying again later; the full history adds the later weeks.
    const calibration = Array.from({ length: 3000 }, (_, i) => ({
      customerId: i + 1,
      x: i % 7,
      tx: (i % 7) * 6,
      T: 60 + (i % 40),
      m: 80 + (i % 50),
    }));
    const full = calibration.map((s) => ({ ...s, x: s.x + (s.customerId % 3), T: s.T + 26 }));
    const opts = { until: '2026-11-01', period: 'week' as const, calibrationUntil: '2026-05-03' };
    const here = calibrationVsHoldout(calibration, full, opts);
    expect(here).not.toBeNull();
    expect(await calibrationVsHoldoutAside(calibration, full, opts)).toEqual(here);
  });

  it('fits on a worker thread as on this one', async () => {
    const summaries = Array.from({ length: 3000 }, (_, i) => ({
      customerId: i + 1,
      x: i % 7,
      tx: (i % 7) * 6,
      T: 60 + (i % 40),
      m: 80 + (i % 50),
    }));
    const opts = { until: '2026-11-01', period: 'week' as const };
    expect(await fitSummariesAside(summaries, opts)).toEqual(fitSummaries(summaries, opts));
  });
});
