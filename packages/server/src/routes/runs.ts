/**
 * Pipeline runs. A run is shown to MANAGE holders on the catalog, and to callers who may see at
 * least one table the run wrote (its streams' targets).
 */
import type { RunRecord as RunRecordT } from '@lakekit/catalog';
import { NotFoundError } from '@lakekit/core';
import * as z from 'zod';
import type { Access } from '../access.js';
import { route } from '../route.js';
import { QualityRecord, RunRecord } from '../schemas.js';

const tags = ['runs'];

function targets(run: RunRecordT): string[] {
  const streams = (run.detail as { streams?: { target?: unknown }[] } | undefined)?.streams;
  return Array.isArray(streams)
    ? streams.map((s) => s.target).filter((t): t is string => typeof t === 'string')
    : [];
}

async function runVisible(access: Access, run: RunRecordT): Promise<boolean> {
  if (await access.isAdmin()) return true;
  for (const t of targets(run)) if (await access.canSeeTable(t)) return true;
  return false;
}

export const runRoutes = [
  route({
    method: 'get',
    path: '/api/v1/runs',
    summary: 'Pipeline runs, newest first',
    tags,
    query: z
      .object({
        pipeline: z.string().min(1).max(256).optional(),
        limit: z.coerce.number().int().min(1).max(1000).optional(),
      })
      .strict(),
    response: z.array(RunRecord),
    handler: async ({ catalog, access, query }) => {
      const runs = await catalog.operations.listRuns({
        ...(query.pipeline ? { pipeline: query.pipeline } : {}),
        limit: query.limit ?? 50,
      });
      const keep = await Promise.all(runs.map((r) => runVisible(access, r)));
      return runs.filter((_, i) => keep[i]);
    },
  }),
  route({
    method: 'get',
    path: '/api/v1/runs/{id}',
    summary: 'One run with its per-stream figures and quality results',
    tags,
    params: z.object({ id: z.string().min(1).max(128) }).strict(),
    response: RunRecord.extend({ quality: z.array(QualityRecord) }),
    handler: async ({ catalog, access, params }) => {
      const run = await catalog.operations.getRun(params.id);
      if (!run)
        throw new NotFoundError('run', `run ${params.id} does not exist`, { context: { run: params.id } });
      if (!(await runVisible(access, run))) {
        await access.deny(`run ${run.id} wrote no table the caller may see`, `run:${run.id}`);
      }
      return { ...run, quality: await catalog.operations.listQuality({ runId: run.id }) };
    },
  }),
];
