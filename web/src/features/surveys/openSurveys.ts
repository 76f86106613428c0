import { useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type { surveyList } from '../../../../contracts/surveys.ts';
import { api } from '../../lib/api.ts';

/**
 * The open surveys as choices for whatever sends one (a journey step, a campaign, the desk's CSAT); the surveys Patron
 * keeps for itself only where asked (`system`).
 */
export function useOpenSurveyOptions(enabled = true, system = false) {
  const surveys = useQuery({
    queryKey: ['surveys', 'open'],
    queryFn: () => api<z.infer<typeof surveyList>>('/surveys?status=open&limit=100'),
    enabled,
  });
  return (surveys.data?.items ?? []).filter((s) => system || s.systemKey === null).map((s) => ({ value: s.id, label: s.name }));
}
