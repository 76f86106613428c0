import type { Generated } from 'kysely';
import type { CreatedAt, Json, Timestamp } from '../../db/columns.ts';

/** The tables the journeys module owns (no other module's SQL names them; see the ownership test). */
export type JourneyTable = {
  id: Generated<number>;
  key: string;
  name: string;
  description: Generated<string>;
  status: Generated<'draft' | 'active' | 'paused'>;
  definition: Json;
  version: number | null;
  library: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
};

export type JourneyVersionTable = {
  journey_id: number;
  version: number;
  definition: Json;
  published_at: CreatedAt;
  published_by: string;
};

export type JourneyRunStatus = 'waiting' | 'completed' | 'exited' | 'failed';

export type JourneyRunTable = {
  id: Generated<number>;
  journey_id: number;
  version: number;
  customer_id: number;
  trigger_key: string;
  status: Generated<JourneyRunStatus>;
  step: string | null;
  due_at: Timestamp | null;
  context: Json;
  attempts: Generated<number>;
  exit_reason: string | null;
  error: string | null;
  started_at: Timestamp;
  updated_at: Generated<Date>;
  ended_at: Timestamp | null;
};

export type JourneyRunStepTable = {
  id: Generated<number>;
  run_id: number;
  step: string;
  type: string;
  at: Timestamp;
  outcome: Json;
};

export type JourneyCursorTable = { name: string; position: number };

export type JourneyTaskTable = {
  id: Generated<number>;
  run_id: number | null;
  journey_id: number | null;
  step: string | null;
  customer_id: number;
  title: string;
  note: Generated<string>;
  assignee_user_id: number | null;
  assignee_role: string | null;
  due_at: Timestamp;
  status: Generated<'open' | 'done' | 'cancelled'>;
  outcome: string | null;
  created_at: CreatedAt;
  completed_at: Timestamp | null;
  completed_by: string | null;
};

export type JourneysTables = {
  journey_tasks: JourneyTaskTable;
  journey_cursors: JourneyCursorTable;
  journeys: JourneyTable;
  journey_versions: JourneyVersionTable;
  journey_runs: JourneyRunTable;
  journey_run_steps: JourneyRunStepTable;
};
