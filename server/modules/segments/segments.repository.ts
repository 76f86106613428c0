import type { RuleGroup, SegmentBody } from '../../../contracts/segments.ts';
import type { Db } from '../../db/index.ts';
import { segmentErrors } from './segments.errors.ts';

export type SegmentRow = {
  id: number;
  name: string;
  description: string | null;
  kind: 'dynamic' | 'static';
  rules: unknown;
  status: 'pending' | 'computing' | 'ready' | 'failed';
  error: string | null;
  size: number;
  computed_at: Date | null;
  created_by: string;
  updated_at: Date;
};

export const present = (r: SegmentRow): SegmentBody => ({
  id: Number(r.id),
  name: r.name,
  description: r.description,
  kind: r.kind,
  rules: (r.rules as RuleGroup | null) ?? null,
  status: r.status,
  error: r.error,
  size: r.size,
  computedAt: r.computed_at?.toISOString() ?? null,
  createdBy: r.created_by,
  updatedAt: r.updated_at.toISOString(),
});

export async function segmentRow(db: Db, id: number): Promise<SegmentRow> {
  const row = await db.selectFrom('segments').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw segmentErrors.notFound(id);
  return row as SegmentRow;
}
