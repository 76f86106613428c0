import type { TFunction } from 'i18next';

/**
 * Names stored as codes (tracked event names, audit actions, job queues) in the reader's language; a code without
 * a translation is shown as it is.
 */
const slug = (code: string) =>
  code
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_');

export const eventLabel = (t: TFunction, name: string) => t(`eventNames.${slug(name)}`, { defaultValue: name });
export const auditLabel = (t: TFunction, action: string) => t(`auditActions.${slug(action)}`, { defaultValue: action });
/** A queue is a job's name and version (`ingest-import-v1`). */
export const queueLabel = (t: TFunction, queue: string) => t(`jobQueues.${slug(queue.replace(/-v\d+$/, ''))}`, { defaultValue: queue });

/** A text a server module declares in every language (360 panels, module segment fields), in the reader's. */
export const localized = (labels: { 'zh-CN': string; en: string }, language: string): string =>
  language.startsWith('zh') ? labels['zh-CN'] : labels.en;
