/** Time source; tests may pass their own. */
export type Clock = { now(): Date };
export const systemClock: Clock = { now: () => new Date() };
