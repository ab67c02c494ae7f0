/**
 * Partition evolution: a new partition spec becomes the default for new data; files already written
 * keep their spec (manifests record the spec id), so nothing is rewritten. Fields that keep their
 * source column and transform keep their partition field id, as Iceberg v2 requires.
 */
import { UsageError } from '@lakekit/core';
import { commitMetadata } from './commit-metadata.js';
import { parsePartitionSpecText, partitionFieldToJson } from './partitioning/partition-spec-text.js';
import type { Table } from './table.js';
import { currentSchema, type TableMetadata } from './table-metadata.js';

type SpecField = Record<string, unknown>;

function sameFields(a: SpecField[], b: SpecField[]): boolean {
  const key = (f: SpecField) => `${f['source-id']}|${f['transform']}|${f['name']}|${f['field-id']}`;
  return a.length === b.length && a.every((f, i) => key(f) === key(b[i]!));
}

/** The spec fields of `text` on `md`, reusing the field ids of earlier specs for the same (source, transform). */
export function specFieldsFor(md: TableMetadata, text: string): SpecField[] {
  const parsed = parsePartitionSpecText(text, currentSchema(md), md['last-partition-id']);
  const earlier = md['partition-specs'].flatMap((s) => s.fields);
  let next = md['last-partition-id'];
  return parsed.map((f) => {
    const json = partitionFieldToJson(f);
    const same = earlier.find(
      (e) => e['source-id'] === json['source-id'] && e['transform'] === json['transform'],
    );
    return { ...json, 'field-id': same ? Number(same['field-id']) : ++next };
  });
}

/** Makes `text` (e.g. `day(created_at), bucket(16, id)`; empty: unpartitioned) the table's default spec. */
export async function evolvePartitionSpec(table: Table, text: string): Promise<number> {
  let specId = -1;
  await commitMetadata(table, async (base) => {
    const fields = specFieldsFor(base, text);
    const existing = base['partition-specs'].find((s) => sameFields(s.fields, fields));
    if (existing && existing['spec-id'] === base['default-spec-id']) {
      throw new UsageError(
        `table ${table.name} is already partitioned by ${text.trim() === '' ? '(nothing)' : text}`,
      );
    }
    specId = existing?.['spec-id'] ?? Math.max(...base['partition-specs'].map((s) => s['spec-id'])) + 1;
    return {
      metadata: {
        ...base,
        'partition-specs': existing
          ? base['partition-specs']
          : [...base['partition-specs'], { 'spec-id': specId, fields }],
        'default-spec-id': specId,
        'last-partition-id': Math.max(base['last-partition-id'], ...fields.map((f) => Number(f['field-id']))),
      },
    };
  });
  return specId;
}

/** Whether the table's default spec is what `text` describes. */
export function isPartitionedBy(md: TableMetadata, text: string): boolean {
  const spec = md['partition-specs'].find((s) => s['spec-id'] === md['default-spec-id'])!;
  return sameFields(spec.fields, specFieldsFor(md, text));
}
