/** Time source; tests may pass their own. */
export type Clock = { now(): Date };
export const systemClock: Clock = { now: () => new Date() };

/** The calendar date (YYYY-MM-DD) at `now` in a time zone. */
export const todayIn = (timeZone: string, now: Date): string => new Intl.DateTimeFormat('en-CA', { timeZone }).format(now);
