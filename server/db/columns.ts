import type { ColumnType } from 'kysely';

/** Column types the modules' table files share. */
export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
export type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
export type Json = ColumnType<unknown, string | undefined, string>;
