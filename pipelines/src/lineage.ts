/**
 * OpenLineage run events (spec 2-0-2): START, COMPLETE and FAIL for each pipeline run, with the
 * source tables as inputs and the written tables (with their snapshot ids) as outputs, schema,
 * column-lineage and data-quality-assertion facets. Events are stored in the catalog and, when
 * `lineage.endpoint` is set, POSTed to it (a failed POST is logged, never fails the run).
 * Dataset namespaces never carry credentials.
 */
import { typeToString } from '@lakekit/core';

const PRODUCER = 'https://github.com/lakekit/lakekit';
const SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent';
const facet = (name: string) => `https://openlineage.io/spec/facets/1-0-0/${name}.json`;

export interface LineageColumn {
  name: string;
  type: import('@lakekit/core').IcebergType;
}

/** What a finished stream contributes to the run's events. */
export interface LineageStream {
  /** `postgres://host:5432/db` (credentials removed) and `public.accounts`. */
  sourceNamespace: string;
  sourceName: string;
  /** The warehouse URI and `crm.accounts`. */
  targetNamespace: string;
  targetName: string;
  columns: readonly LineageColumn[];
  snapshotId?: string;
  rowsWritten?: number;
  bytes?: number;
  assertions?: readonly { assertion: string; success: boolean; column?: string }[];
}

export interface LineageEventInput {
  eventType: 'START' | 'COMPLETE' | 'FAIL';
  eventTime: Date;
  runId: string;
  /** OpenLineage job namespace (`lineage.namespace`, default `lakekit`). */
  jobNamespace: string;
  pipeline: string;
  streams: readonly LineageStream[];
  error?: string;
}

function schemaFacet(columns: readonly LineageColumn[]) {
  return {
    _producer: PRODUCER,
    _schemaURL: facet('SchemaDatasetFacet'),
    fields: columns.map((c) => ({ name: c.name, type: typeToString(c.type) })),
  };
}

/** One OpenLineage RunEvent. */
export function lineageEvent(input: LineageEventInput): Record<string, unknown> {
  const runFacets: Record<string, unknown> = {};
  if (input.error) {
    runFacets['errorMessage'] = {
      _producer: PRODUCER,
      _schemaURL: facet('ErrorMessageRunFacet'),
      message: input.error,
      programmingLanguage: 'TypeScript',
    };
  }
  return {
    eventType: input.eventType,
    eventTime: input.eventTime.toISOString(),
    producer: PRODUCER,
    schemaURL: SCHEMA_URL,
    run: { runId: input.runId, facets: runFacets },
    job: {
      namespace: input.jobNamespace,
      name: input.pipeline,
      facets: {
        jobType: {
          _producer: PRODUCER,
          _schemaURL: facet('JobTypeJobFacet'),
          processingType: 'BATCH',
          integration: 'LAKEKIT',
          jobType: 'PIPELINE',
        },
      },
    },
    inputs: input.streams.map((s) => ({
      namespace: s.sourceNamespace,
      name: s.sourceName,
      facets: { schema: schemaFacet(s.columns) },
    })),
    outputs:
      input.eventType === 'START'
        ? []
        : input.streams
            .filter((s) => s.snapshotId !== undefined || input.eventType === 'FAIL')
            .map((s) => ({
              namespace: s.targetNamespace,
              name: s.targetName,
              facets: {
                schema: schemaFacet(s.columns),
                columnLineage: {
                  _producer: PRODUCER,
                  _schemaURL: facet('ColumnLineageDatasetFacet'),
                  fields: Object.fromEntries(
                    s.columns.map((c) => [
                      c.name,
                      {
                        inputFields: [{ namespace: s.sourceNamespace, name: s.sourceName, field: c.name }],
                        transformationType: 'IDENTITY',
                      },
                    ]),
                  ),
                },
                ...(s.snapshotId
                  ? {
                      version: {
                        _producer: PRODUCER,
                        _schemaURL: facet('DatasetVersionDatasetFacet'),
                        datasetVersion: s.snapshotId,
                      },
                    }
                  : {}),
                ...(s.assertions && s.assertions.length > 0
                  ? {
                      dataQualityAssertions: {
                        _producer: PRODUCER,
                        _schemaURL: facet('DataQualityAssertionsDatasetFacet'),
                        assertions: s.assertions,
                      },
                    }
                  : {}),
              },
              ...(s.rowsWritten !== undefined
                ? {
                    outputFacets: {
                      outputStatistics: {
                        _producer: PRODUCER,
                        _schemaURL: facet('OutputStatisticsOutputDatasetFacet'),
                        rowCount: s.rowsWritten,
                        ...(s.bytes !== undefined ? { size: s.bytes } : {}),
                      },
                    },
                  }
                : {}),
            })),
  };
}

/** POSTs an event to an OpenLineage endpoint (`…/api/v1/lineage`); throws on a non-2xx answer. */
export async function postLineage(endpoint: string, event: unknown, apiKey?: string): Promise<void> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: JSON.stringify(event),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`OpenLineage endpoint answered ${res.status}`);
}
