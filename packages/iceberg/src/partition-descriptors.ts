/**
 * The partition tuple type of a spec: one field per partition field, typed by its transform's result
 * type. Manifests are written with it (the `partition` record of every entry).
 */
import { isPrimitive, MetadataError, type PrimitiveType } from '@lakekit/core';
import type { PartitionFieldDescriptor } from './avro/index.js';
import type { TableMetadata } from './table-metadata.js';
import { schemaById } from './table-metadata.js';

/** The result type of a transform applied to a source type (spec: "Partition Transforms"). */
export function transformResultType(transform: string, source: PrimitiveType): PrimitiveType {
  const t = transform.trim().toLowerCase();
  if (t === 'identity' || t === 'void' || t.startsWith('truncate[')) return source;
  if (t.startsWith('bucket[') || t === 'year' || t === 'month' || t === 'hour') return { kind: 'int' };
  if (t === 'day') return { kind: 'date' };
  throw new MetadataError(`unknown partition transform "${transform}"`);
}

/** Partition field descriptors of spec `specId`, resolved against the table's schemas. */
export function partitionFieldDescriptors(md: TableMetadata, specId: number): PartitionFieldDescriptor[] {
  return resolvePartitionSpec(md, specId).map((f) => ({
    fieldId: f.fieldId,
    name: f.name,
    type: f.resultType,
  }));
}

/** A partition field resolved against the schema: its source column's type and parsed transform. */
export interface ResolvedPartitionField {
  readonly sourceId: number;
  readonly fieldId: number;
  readonly name: string;
  /** The transform as the spec writes it (`day`, `bucket[16]`, …). */
  readonly transform: string;
  readonly sourceType: PrimitiveType;
  readonly resultType: PrimitiveType;
}

/** The fields of partition spec `specId` (default: the table's default spec), resolved. */
export function resolvePartitionSpec(
  md: TableMetadata,
  specId = md['default-spec-id'],
): ResolvedPartitionField[] {
  const spec = md['partition-specs'].find((s) => s['spec-id'] === specId);
  if (!spec) throw new MetadataError(`table metadata has no partition spec ${specId}`);
  const schemas = md.schemas.map((s) => schemaById(md, Number(s['schema-id'])));
  return spec.fields.map((f) => {
    const sourceId = Number(f['source-id']);
    const source = schemas.map((s) => s.fields.find((x) => x.id === sourceId)).find((x) => x !== undefined);
    if (!source || !isPrimitive(source.type)) {
      throw new MetadataError(
        `partition field ${String(f['name'])}: source column ${sourceId} is not a primitive column`,
      );
    }
    const transform = String(f['transform']);
    return {
      sourceId,
      fieldId: Number(f['field-id']),
      name: String(f['name']),
      transform,
      sourceType: source.type,
      resultType: transformResultType(transform, source.type),
    };
  });
}
