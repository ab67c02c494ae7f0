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
    return {
      fieldId: Number(f['field-id']),
      name: String(f['name']),
      type: transformResultType(String(f['transform']), source.type),
    };
  });
}
