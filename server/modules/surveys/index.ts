import { defineModule } from '../../module.ts';
import { surveysData, surveysFields, surveysPanel } from './customer-data.ts';
import { registerSurveyPages } from './page.http.ts';
import { surveysRoutes } from './surveys.routes.ts';
import { ensureSurveyTemplates } from './templates.ts';
import { ensureSystemSurveys } from './surveys.ts';

/**
 * Surveys: NPS, CSAT, CES, choices, ratings, matrices and free text in both languages with skip logic; invitations by
 * segment or list through messaging; the public response page (signed per person, or an anonymous link), partial
 * answers kept, one response per person; results with the NPS interval and free-text themes; the 360 panel, segment
 * fields and the `survey.answered` event.
 */
export const surveysModule = defineModule({
  name: 'surveys',
  routes: surveysRoutes,
  plugins: [registerSurveyPages],
  customerData: surveysData,
  segmentFields: surveysFields,
  panels: [surveysPanel],
  prepare: async (db) => {
    await ensureSurveyTemplates(db, new Date());
    await ensureSystemSurveys(db, new Date());
  },
  // Invitations go to a segment's members (who are not merged away or erased); results break down by first channel,
  // tier, products bought and segment.
  reads: ['segment_members', 'segments', 'customers', 'channels', 'loyalty_members', 'order_items'],
});
export { invite, saveSurvey, setSurveyStatus, surveyLinks, surveysOpen, surveyToken, systemSurveyId } from './surveys.ts';
export { answer } from './respond.ts';
