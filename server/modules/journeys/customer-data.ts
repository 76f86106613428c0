import { sql } from 'kysely';
import { type CustomerData, type CustomerPanel, isoTime, labels, panelRows } from '../../platform/registry.ts';

/**
 * A person's journey runs stay with the profile they ran on when people merge (a waiting run of the merged person
 * sends nothing more: messaging skips a merged person); erasure deletes them with their log; an undone import's
 * people take theirs with them.
 */
export const journeysData: readonly CustomerData[] = [
  // Follow-ups go with the person a merge keeps; erasure deletes them (their notes may name the person).
  { table: 'journey_tasks', export: { name: 'followUps', file: 'follow_ups.csv', orderBy: 'id' }, erase: 'delete', undo: 'follows' },
  {
    table: 'journey_runs',
    merge: 'keep',
    export: { name: 'journeyRuns', file: 'journey_runs.csv', orderBy: 'id' },
    erase: 'delete',
    undo: 'follows',
  },
];

const STATUS = {
  waiting: labels('进行中', 'In progress'),
  completed: labels('已完成', 'Completed'),
  exited: labels('已退出', 'Exited'),
  failed: labels('出错停止', 'Stopped by an error'),
} as const;

type RunRow = {
  id: number;
  name: string;
  status: string;
  step: string | null;
  due_at: string | null;
  exit_reason: string | null;
  error: string | null;
  started_at: string;
};

/** The person's journeys on the 360: which, where they are, when the next step is due, how each ended. */
export const journeysPanel: CustomerPanel = {
  key: 'journeys',
  title: labels('自动化旅程', 'Journeys'),
  columns: [
    { key: 'journey', label: labels('旅程', 'Journey') },
    { key: 'status', label: labels('状态', 'State'), values: STATUS },
    { key: 'startedAt', label: labels('进入时间', 'Entered'), type: 'datetime' },
    { key: 'next', label: labels('下一步', 'Next step') },
    { key: 'dueAt', label: labels('下一步时间', 'Due'), type: 'datetime' },
    { key: 'note', label: labels('说明', 'Note') },
  ],
  select: () =>
    panelRows(
      sql`select r.id, j.name, r.status, r.step, r.due_at, r.exit_reason, r.error, r.started_at
        from journey_runs r join journeys j on j.id = r.journey_id where r.customer_id = c.id order by r.started_at desc, r.id desc limit 20`,
      sql`r.started_at desc, r.id desc`,
    ),
  present: (rows: RunRow[]) => ({
    rows: rows.map((r) => ({
      journey: r.name,
      status: r.status,
      startedAt: isoTime(r.started_at),
      next: r.step,
      dueAt: r.due_at === null ? null : isoTime(r.due_at),
      note: r.error ?? r.exit_reason,
    })),
  }),
};

const TASK_STATUS = {
  open: labels('待处理', 'Open'),
  done: labels('已完成', 'Done'),
  cancelled: labels('已取消', 'Cancelled'),
} as const;

type TaskRow = { id: number; title: string; due_at: string; status: string; outcome: string | null; completed_by: string | null };

/** The person's follow-ups (回访) on the 360: what, for whom, by when, what came of it. */
export const followUpsPanel: CustomerPanel = {
  key: 'follow-ups',
  title: labels('回访任务', 'Follow-ups'),
  columns: [
    { key: 'task', label: labels('任务', 'Task') },
    { key: 'dueAt', label: labels('截止', 'Due'), type: 'datetime' },
    { key: 'status', label: labels('状态', 'State'), values: TASK_STATUS },
    { key: 'outcome', label: labels('结果', 'Outcome') },
    { key: 'by', label: labels('处理人', 'Closed by') },
  ],
  select: () =>
    panelRows(
      sql`select id, title, due_at, status, outcome, completed_by, created_at from journey_tasks
        where customer_id = c.id order by created_at desc, id desc limit 20`,
      sql`r.created_at desc, r.id desc`,
    ),
  present: (rows: TaskRow[]) => ({
    rows: rows.map((r) => ({ task: r.title, dueAt: isoTime(r.due_at), status: r.status, outcome: r.outcome, by: r.completed_by })),
  }),
};
