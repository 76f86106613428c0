/**
 * Shares one computation among every caller asking the same question within `ttlMs`: concurrent callers
 * wait for the one running computation instead of starting their own, and later callers get its result
 * until it is older than `ttlMs`. A failed computation is not kept.
 */
export function sharedResult<T>(ttlMs: number, maxEntries = 100) {
  const entries = new Map<string, { at: number; value: Promise<T> }>();
  return (key: string, now: number, compute: () => Promise<T>): Promise<T> => {
    const hit = entries.get(key);
    if (hit && now - hit.at < ttlMs) return hit.value;
    if (entries.size >= maxEntries) entries.clear();
    const value = compute();
    entries.set(key, { at: now, value });
    value.catch(() => {
      if (entries.get(key)?.value === value) entries.delete(key);
    });
    return value;
  };
}
