/**
 * The OpenAPI 3.1 document of the governance API, generated from the route table with zod 4's
 * `z.toJSONSchema` (JSON Schema 2020-12, which OpenAPI 3.1 uses as is).
 */
import * as z from 'zod';
import type { AnyRoute } from './route.js';
import { Problem } from './schemas.js';

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

/** Path or query parameters from a zod object schema. */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const js = jsonSchema(schema, 'input');
  const props = (js['properties'] ?? {}) as Record<string, Json>;
  const required = new Set((js['required'] ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => {
    const { description, ...rest } = s;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };
const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: PROBLEM_REF } },
});

/** The OpenAPI document for `routes` (plus /health and the document itself). */
export function openApiDocument(routes: readonly AnyRoute[]): Json {
  const paths: Record<string, Record<string, Json>> = {
    '/health': {
      get: {
        summary: 'Liveness and catalog reachability (no authentication)',
        tags: ['server'],
        security: [],
        responses: {
          '200': { description: 'the catalog answers' },
          '503': { description: 'the catalog database does not answer' },
        },
      },
    },
    '/api/openapi.json': {
      get: {
        summary: 'This document',
        tags: ['server'],
        responses: { '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': {} } } },
      },
    },
  };
  for (const r of routes) {
    const status = String(r.status ?? 200);
    const success =
      r.status === 204
        ? { description: 'done' }
        : {
            description: 'success',
            ...(r.responseHeaders
              ? {
                  headers: Object.fromEntries(
                    Object.entries(r.responseHeaders).map(([name, description]) => [
                      name,
                      { description, schema: { type: 'string' } },
                    ]),
                  ),
                }
              : {}),
            content: {
              'application/json': { schema: jsonSchema(r.response, 'output') },
              ...Object.fromEntries((r.alsoProduces ?? []).map((t) => [t, {}])),
            },
          };
    const op: Json = {
      operationId: `${r.method}${r.path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(.)?/g, (_, ch: string | undefined) => (ch ? ch.toUpperCase() : ''))}`,
      summary: r.summary,
      tags: r.tags,
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      ...(r.body
        ? {
            requestBody: {
              required: !r.bodyOptional,
              content: { 'application/json': { schema: jsonSchema(r.body, 'input') } },
            },
          }
        : {}),
      responses: {
        [status]: success,
        '400': problemResponse('invalid input (malformed JSON, unknown fields, invalid names)'),
        '401': problemResponse('no valid bearer token'),
        '403': problemResponse('the caller lacks a privilege'),
        '404': problemResponse('a principal, role, table, column, … does not exist'),
        ...(r.body
          ? {
              '413': problemResponse('request body larger than 1 MiB'),
              '415': problemResponse('Content-Type is not application/json'),
            }
          : {}),
        '409': problemResponse('already exists, or a conflicting change'),
        ...Object.fromEntries(
          Object.entries(r.errors ?? {}).map(([status, description]) => [
            status,
            problemResponse(description),
          ]),
        ),
      },
    };
    paths[r.path] ??= {};
    paths[r.path]![r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Lakekit governance API',
      version: '1',
      description:
        'Principals, tokens, roles, grants, masks, row filters, tags, annotations, access requests, effective access, quality, runs, audit and lineage of a Lakekit catalog; governed SQL queries with answer receipts and flags.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A Lakekit API token: lk_<id>_<secret>' },
      },
      schemas: { Problem: jsonSchema(Problem, 'output') },
    },
  };
}
