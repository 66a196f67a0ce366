/** OpenAPI descriptions of the management API, attached to each route where it is defined (see receive/openapi.ts). */
import type { DescribeRouteOptions } from 'hono-openapi';
import type { OpenAPIV3_1 } from 'openapi-types';
import { deadLetterReasons } from '../dead-letter/index.js';
import { CONFIG_ISSUE_SCHEMA, errorResponses, jsonBody, jsonResponse } from '../receive/openapi.js';

type Schema = OpenAPIV3_1.SchemaObject;

const pathParam = (name: string, description: string): OpenAPIV3_1.ParameterObject => ({ name, in: 'path', required: true, schema: { type: 'string' }, description });

/** Every admin operation: bearer token, 401 without it, 404 while admin_token is unset. */
function admin(doc: Omit<DescribeRouteOptions, 'tags' | 'security'> & { responses: NonNullable<DescribeRouteOptions['responses']> }, ...errors: number[]): DescribeRouteOptions {
  return { ...doc, tags: ['Admin'], security: [{ adminToken: [] }], responses: { ...doc.responses, ...errorResponses(401, 404, ...errors) } };
}

const COUNTS: Schema = {
  type: 'object',
  properties: {
    received: { type: 'integer' },
    queued: { type: 'integer' },
    delivered: { type: 'integer' },
    deadLettered: { type: 'integer' },
    missingFields: { type: 'integer' },
  },
};
const SOURCE: Schema = {
  type: 'object',
  required: ['name', 'enabled', 'url', 'lines'],
  properties: {
    name: { type: 'string' },
    provider: { type: ['string', 'null'] },
    enabled: { type: 'boolean' },
    disabledBy: { enum: ['admin', 'settings', null] },
    url: { type: 'string' },
    lines: { type: 'array', items: { type: 'string' } },
    counts: COUNTS,
    lastError: { type: ['object', 'null'], properties: { at: { type: 'string', format: 'date-time' }, alertId: { type: 'string' }, message: { type: 'string' } } },
  },
};
const LINE: Schema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    source: { type: 'string' },
    event: { type: ['string', 'null'] },
    conditions: { type: 'array', items: { type: 'string' } },
    fields: { type: 'string' },
    template: { type: 'string' },
    line: { type: 'integer' },
    enabled: { type: 'boolean' },
  },
};
const LINE_BODY: Schema = {
  oneOf: [
    { type: 'object', required: ['line'], properties: { line: { type: 'string', description: 'NAME: FIELDS::TEMPLATE' } } },
    { type: 'object', required: ['fields', 'template'], properties: { fields: { type: 'string' }, template: { type: 'string' } } },
  ],
};
const PREVIEW_ITEM: Schema = {
  type: 'object',
  properties: {
    status: { enum: ['rendered', 'filtered', 'none'] },
    event: { type: ['string', 'null'] },
    rule: { type: ['string', 'null'] },
    message: { type: ['string', 'null'] },
    missing: { type: 'array', items: { type: 'string' } },
    reason: { type: 'string' },
    sl1Request: { type: ['object', 'null'], additionalProperties: { type: 'string' }, description: 'The exact body POSTed to SL1' },
    lines: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          line: { type: 'integer', description: '0 for the proposed line' },
          verdict: { enum: ['matched', 'conditions_failed', 'shadowed', 'less_specific', 'other_event'] },
          reason: { type: 'string' },
        },
      },
    },
  },
};
const DEAD_LETTER_ROW: Schema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    source: { type: 'string' },
    event: { type: ['string', 'null'] },
    reason: { enum: [...deadLetterReasons] },
    status: { type: ['integer', 'null'], description: "SL1's status of the last attempt" },
    attempts: { type: 'integer' },
    deadLetteredAt: { type: 'string', format: 'date-time' },
    receivedAt: { type: 'string', format: 'date-time' },
    message: { type: 'string' },
  },
};
const REQUEUED: Schema = {
  type: 'object',
  properties: {
    status: { const: 'requeued' },
    requeued: { type: 'integer' },
    refused: { type: 'integer', description: 'Left in the file: the queue was full' },
    remaining: { type: 'integer' },
    notRerendered: {
      type: 'array',
      description: 'With rerender: the dead letters that could not be rendered anew and stay (no stored payload, no line matches now, a different number of alerts)',
      items: { type: 'object', properties: { id: { type: 'string' }, reason: { type: 'string' }, noPayload: { type: 'boolean' } } },
    },
  },
};
const RERENDER_PARAM = {
  name: 'rerender',
  in: 'query' as const,
  required: false,
  description: "true: render each again from its stored request with today's lines first (signatures are not checked again); one that cannot be stays",
  schema: { type: 'boolean' as const },
};
const ISSUES: Schema = { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, issues: { type: 'array', items: CONFIG_ISSUE_SCHEMA } } } } };
const invalidConfig = { 422: jsonResponse('The result would not be valid; nothing was written. `issues` names file, line and column.', ISSUES) };

export const ADMIN_DOCS = {
  sources: admin({ summary: 'Sources with their state, lines, counts and last error', responses: { 200: jsonResponse('The sources', { type: 'object', properties: { sources: { type: 'array', items: SOURCE } } }) } }),
  lines: admin({ summary: 'Every line of webhooks.ini, disabled ones included', responses: { 200: jsonResponse('The lines', { type: 'object', properties: { file: { type: 'string' }, lines: { type: 'array', items: LINE } } }) } }),
  putLine: admin(
    {
      summary: 'Create or replace the line for NAME (validated like genhook check)',
      parameters: [pathParam('name', 'NAME with conditions, URL-encoded: github.push, github.pull_request%5Baction%3Dopened%5D')],
      requestBody: jsonBody(LINE_BODY),
      responses: { 200: jsonResponse('Replaced'), 201: jsonResponse('Created'), ...invalidConfig },
    },
    400,
    413,
    500,
  ),
  deleteLine: admin({ summary: 'Remove the line for NAME', parameters: [pathParam('name', 'NAME with conditions, URL-encoded')], responses: { 200: jsonResponse('Deleted'), ...invalidConfig } }, 500),
  enableSource: admin({ summary: 'Switch a source on (removes the ;disabled; marks)', parameters: [pathParam('source', 'Source name')], responses: { 200: jsonResponse('Enabled'), ...invalidConfig } }, 500),
  disableSource: admin({ summary: 'Switch a source off (its webhooks get 200 ignored)', parameters: [pathParam('source', 'Source name')], responses: { 200: jsonResponse('Disabled'), ...invalidConfig } }, 500),
  reload: admin({ summary: 'Re-read settings.ini and webhooks.ini now (also ends an SL1 auth pause)', responses: { 200: jsonResponse('Reloaded; restartNeeded lists settings that wait for a restart'), ...invalidConfig } }),
  resumeDelivery: admin({
    summary: 'End an SL1 auth pause: one alert goes first with the current credentials, the rest once SL1 accepts it',
    responses: { 200: jsonResponse('`status` is resumed or not_paused', { type: 'object', properties: { status: { type: 'string', enum: ['resumed', 'not_paused'] }, sl1_auth_paused: { type: 'boolean' }, sl1Auth: { type: 'string' } } }) },
  }, 404),
  preview: admin(
    {
      summary: 'Render a payload with the current lines or a proposed one; delivers nothing',
      parameters: [pathParam('source', 'Source name')],
      requestBody: jsonBody({
        type: 'object',
        required: ['payload'],
        properties: { payload: {}, headers: { type: 'object', additionalProperties: { type: 'string' } }, event: { type: 'string' }, line: { type: 'string', description: 'NAME: FIELDS::TEMPLATE' } },
      }),
      responses: { 200: jsonResponse('One result per payload item', { type: 'object', properties: { source: { type: 'string' }, delivered: { const: false }, items: { type: 'array', items: PREVIEW_ITEM } } }), ...invalidConfig },
    },
    400,
    413,
  ),
  status: admin({
    summary: 'Breaker, delivery pause, queue, journal, dead letters and the last reload with its errors',
    responses: { 200: jsonResponse('Live status', { type: 'object', properties: { mode: { enum: ['sl1', 'log'] }, breaker: { type: 'object' }, queue: { type: 'object' }, journal: { type: 'object' }, lastReload: { type: 'object', properties: { ok: { type: 'boolean' }, issues: { type: 'array', items: CONFIG_ISSUE_SCHEMA } } } } }) },
  }),
  recentAlerts: admin({
    summary: 'The last recent_alerts alerts accepted, newest first, with their outcome (in memory)',
    responses: {
      200: jsonResponse('Recent alerts', {
        type: 'object',
        properties: {
          limit: { type: 'integer' },
          alerts: {
            type: 'array',
            items: {
              type: 'object',
              properties: { id: { type: 'string' }, source: { type: 'string' }, message: { type: 'string' }, outcome: { enum: ['queued', 'retrying', 'delivered', 'logged', 'dead_lettered'] }, attempts: { type: 'integer' }, status: { type: ['integer', 'null'] } },
            },
          },
        },
      }),
    },
  }),
  deadLetters: admin(
    {
      summary: 'Dead letters, newest first',
      parameters: [{ name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000 } }],
      responses: { 200: jsonResponse('Dead letters', { type: 'object', properties: { file: { type: 'string' }, total: { type: 'integer' }, entries: { type: 'array', items: DEAD_LETTER_ROW }, unreadable: { type: 'array', items: { type: 'object' } } } }) },
    },
    400,
  ),
  deadLetter: admin({
    summary: 'One dead letter in full, with the SL1 request a replay sends',
    parameters: [pathParam('id', 'Alert id')],
    responses: { 200: jsonResponse('The entry', { type: 'object', properties: { entry: { type: 'object' }, times: { type: 'integer' }, sl1Request: { type: 'object', additionalProperties: { type: 'string' } } } }) },
  }),
  replayOne: admin(
    { summary: 'Put one dead letter back in the live queue (journaled first), optionally re-rendered', parameters: [pathParam('id', 'Alert id'), RERENDER_PARAM], responses: { 200: jsonResponse('Requeued', REQUEUED) } },
    400,
    409,
    503,
  ),
  replayMany: admin(
    {
      summary: 'Put the given dead letters, or all, back in the live queue, optionally re-rendered',
      parameters: [RERENDER_PARAM],
      requestBody: jsonBody({
        oneOf: [
          { type: 'object', required: ['all'], properties: { all: { const: true }, rerender: { type: 'boolean' } } },
          { type: 'object', required: ['ids'], properties: { ids: { type: 'array', minItems: 1, items: { type: 'string' } }, rerender: { type: 'boolean' } } },
        ],
      }),
      responses: { 200: jsonResponse('Requeued', REQUEUED) },
    },
    400,
    409,
    503,
  ),
  deleteDeadLetter: admin({ summary: 'Remove a dead letter without sending it', parameters: [pathParam('id', 'Alert id')], responses: { 200: jsonResponse('Deleted') } }),
} satisfies Record<string, DescribeRouteOptions>;
