import type { Generated } from 'kysely';
import type { Json, Timestamp } from '../../db/columns.ts';

/** The tables the surveys module owns (no other module's SQL names them; see the ownership test). */
export type SurveyTable = {
  id: Generated<number>;
  name: string;
  status: 'draft' | 'open' | 'closed';
  definition: Json;
  anonymous_link: Generated<boolean>;
  system_key: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  closed_at: Timestamp | null;
};

export type SurveyInvitationTable = {
  id: Generated<number>;
  survey_id: number;
  customer_id: number;
  source: string;
  subject: Generated<string>;
  created_at: Timestamp;
};

export type SurveyResponseTable = {
  id: Generated<number>;
  survey_id: number;
  respondent: string;
  customer_id: number | null;
  invitation_id: number | null;
  answers: Json;
  nps: number | null;
  completed: Generated<boolean>;
  started_at: Timestamp;
  updated_at: Timestamp;
  completed_at: Timestamp | null;
};

export type SurveysTables = {
  surveys: SurveyTable;
  survey_invitations: SurveyInvitationTable;
  survey_responses: SurveyResponseTable;
};
