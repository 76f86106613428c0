import { z } from 'zod';
import { idParams } from '../../../contracts/common.ts';
import {
  inviteBody,
  inviteResult,
  surveyBody,
  surveyList,
  surveyListQuery,
  surveyResults,
  surveyResultsQuery,
  surveyView,
} from '../../../contracts/surveys.ts';
import { attachment } from '../../http/attachment.ts';
import { actorOf } from '../../http/principal.ts';
import { defineRoute } from '../../http/route.ts';
import { storeClockOf } from '../system/index.ts';
import { responsesCsv, surveyResults as resultsOf } from './results.ts';
import { getSurvey, invite, listSurveys, saveSurvey, setSurveyStatus } from './surveys.ts';

const statusBody = z.strictObject({ status: z.enum(['open', 'closed']) });

export const surveysRoutes = [
  defineRoute({
    method: 'GET',
    url: '/surveys',
    access: 'surveys.read',
    tag: 'surveys',
    summary: 'Surveys, newest first, with how many were invited, started and finished',
    query: surveyListQuery,
    response: surveyList,
    handler: ({ ctx, query }) => listSurveys(ctx, query),
  }),
  defineRoute({
    method: 'POST',
    url: '/surveys',
    access: 'surveys.write',
    tag: 'surveys',
    summary: 'Create a survey (a draft): questions in both languages, skip logic, whether an anonymous link is allowed',
    body: surveyBody,
    response: surveyView,
    status: 201,
    handler: ({ ctx, body, principal, ip }) => saveSurvey(ctx, null, body, actorOf(principal, ip)),
  }),
  defineRoute({
    method: 'GET',
    url: '/surveys/:id',
    access: 'surveys.read',
    tag: 'surveys',
    summary: 'A survey with its questions',
    params: idParams,
    response: surveyView,
    handler: ({ ctx, params }) => getSurvey(ctx, params.id),
  }),
  defineRoute({
    method: 'PUT',
    url: '/surveys/:id',
    access: 'surveys.write',
    tag: 'surveys',
    summary: 'Change a draft survey (an open one keeps the questions people are answering)',
    params: idParams,
    body: surveyBody,
    response: surveyView,
    handler: ({ ctx, params, body, principal, ip }) => saveSurvey(ctx, params.id, body, actorOf(principal, ip)),
  }),
  defineRoute({
    method: 'POST',
    url: '/surveys/:id/status',
    access: 'surveys.write',
    tag: 'surveys',
    summary: 'Open a draft for answers, or close an open survey (answers then stay as they are); audited',
    params: idParams,
    body: statusBody,
    response: surveyView,
    handler: ({ ctx, params, body, principal, ip }) => setSurveyStatus(ctx, params.id, body.status, actorOf(principal, ip)),
  }),
  defineRoute({
    method: 'POST',
    url: '/surveys/:id/invitations',
    access: 'surveys.write',
    tag: 'surveys',
    summary: 'Invite a segment or listed people (once each), the invitation queued by e-mail or SMS through messaging',
    params: idParams,
    body: inviteBody,
    response: inviteResult,
    handler: ({ ctx, params, body }) => invite(ctx, params.id, body, 'api'),
  }),
  defineRoute({
    method: 'GET',
    url: '/surveys/:id/responses.csv',
    access: 'surveys.read',
    tag: 'surveys',
    summary: 'Every response as CSV, a column per question; audited',
    params: idParams,
    handler: async ({ ctx, params, principal, ip, reply }) =>
      attachment(
        reply,
        'text/csv; charset=utf-8',
        `survey-${params.id}.csv`,
        await responsesCsv(ctx.db, params.id, actorOf(principal, ip)),
      ),
  }),
  defineRoute({
    method: 'GET',
    url: '/surveys/:id/results',
    access: 'surveys.read',
    tag: 'surveys',
    summary:
      'NPS with its 95% interval, each question’s distribution, free-text themes, NPS by week; by channel, tier, product bought and segment',
    params: idParams,
    query: surveyResultsQuery,
    response: surveyResults,
    handler: async ({ ctx, params, query }) => resultsOf(ctx.db, params.id, (await storeClockOf(ctx)).timeZone, query.segments),
  }),
];
