/**
 * Iceberg v2 table metadata, kept in the spec's own JSON shape (kebab-case keys) so fields written by
 * other engines (statistics, partition statistics, future keys) survive our commits untouched.
 * Parsed with the big-integer-safe codec and validated at the edge; 63-bit ids are `bigint`.
 */
import { MetadataError, parseJson, stringifyJson } from '@lakekit/core';
import { type Schema, schemaFromJson } from './schema.js';

/** A snapshot as in the metadata JSON. */
export interface SnapshotJson {
  'snapshot-id': bigint;
  'parent-snapshot-id'?: bigint;
  'sequence-number': bigint;
  'timestamp-ms': number;
  'manifest-list': string;
  summary: { operation: string; [key: string]: string };
  'schema-id'?: number;
  [key: string]: unknown;
}

/** A branch or tag. */
export interface RefJson {
  'snapshot-id': bigint;
  type: 'branch' | 'tag';
  'max-ref-age-ms'?: number;
  'max-snapshot-age-ms'?: number;
  'min-snapshots-to-keep'?: number;
}

/** Table metadata (format v2). */
export interface TableMetadata {
  'format-version': number;
  'table-uuid': string;
  location: string;
  'last-sequence-number': bigint;
  'last-updated-ms': number;
  'last-column-id': number;
  'current-schema-id': number;
  schemas: Record<string, unknown>[];
  'default-spec-id': number;
  'partition-specs': { 'spec-id': number; fields: Record<string, unknown>[] }[];
  'last-partition-id': number;
  'default-sort-order-id': number;
  'sort-orders': { 'order-id': number; fields: Record<string, unknown>[] }[];
  properties: Record<string, string>;
  'current-snapshot-id'?: bigint;
  snapshots: SnapshotJson[];
  'snapshot-log': { 'snapshot-id': bigint; 'timestamp-ms': number }[];
  'metadata-log': { 'metadata-file': string; 'timestamp-ms': number }[];
  refs: Record<string, RefJson>;
  [key: string]: unknown;
}

function toBig(v: unknown, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  throw new MetadataError(`invalid table metadata: ${what} is not an integer`);
}

function req<T>(o: Record<string, unknown>, key: string, source: string): T {
  if (o[key] === undefined) throw new MetadataError(`invalid table metadata ${source}: missing "${key}"`);
  return o[key] as T;
}

/**
 * Parses and validates a metadata file's text. Accepts v1 and v2 input (v1 tables are read as
 * v2 with sequence number 0) and `current-snapshot-id: -1` for "no snapshot" as some writers emit.
 */
export function parseTableMetadata(text: string, source = ''): TableMetadata {
  let raw: unknown;
  try {
    raw = parseJson(text);
  } catch (e) {
    throw new MetadataError(`table metadata ${source} is not valid JSON: ${(e as Error).message}`, {
      context: { file: source },
    });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new MetadataError(`table metadata ${source} is not a JSON object`, { context: { file: source } });
  }
  const o = raw as Record<string, unknown>;
  const version = Number(req(o, 'format-version', source));
  if (version < 1 || version > 2) {
    throw new MetadataError(`table metadata ${source}: format version ${version} is not supported (1 or 2)`, {
      context: { file: source },
    });
  }
  req(o, 'location', source);
  const snapshots = ((o['snapshots'] as Record<string, unknown>[] | undefined) ?? []).map((s) => ({
    ...s,
    'snapshot-id': toBig(s['snapshot-id'], 'snapshot-id'),
    ...(s['parent-snapshot-id'] !== undefined && s['parent-snapshot-id'] !== null
      ? { 'parent-snapshot-id': toBig(s['parent-snapshot-id'], 'parent-snapshot-id') }
      : {}),
    'sequence-number': toBig(s['sequence-number'] ?? 0, 'sequence-number'),
  })) as SnapshotJson[];
  for (const s of snapshots) {
    if (s['parent-snapshot-id'] === undefined) delete s['parent-snapshot-id'];
    if (typeof s['manifest-list'] !== 'string') {
      throw new MetadataError(
        `table metadata ${source}: snapshot ${s['snapshot-id']} has no manifest-list (v1 manifests arrays are not supported)`,
      );
    }
  }
  const current = o['current-snapshot-id'];
  const currentId =
    current === undefined || current === null ? undefined : toBig(current, 'current-snapshot-id');
  const refs: Record<string, RefJson> = {};
  for (const [name, r] of Object.entries((o['refs'] as Record<string, Record<string, unknown>>) ?? {})) {
    refs[name] = {
      ...(r as unknown as RefJson),
      'snapshot-id': toBig(r['snapshot-id'], `refs.${name}.snapshot-id`),
    };
  }
  // v1 metadata may carry only `current-snapshot-id`; the spec says main then points at it.
  if (refs['main'] === undefined && currentId !== undefined && currentId !== -1n) {
    refs['main'] = { 'snapshot-id': currentId, type: 'branch' };
  }
  const schemas =
    (o['schemas'] as Record<string, unknown>[] | undefined) ??
    (o['schema'] ? [{ ...(o['schema'] as Record<string, unknown>), 'schema-id': 0 }] : []);
  const specs = (o['partition-specs'] as TableMetadata['partition-specs'] | undefined) ?? [
    { 'spec-id': 0, fields: (o['partition-spec'] as Record<string, unknown>[]) ?? [] },
  ];
  const md: TableMetadata = {
    ...o,
    'format-version': 2,
    'table-uuid': String(o['table-uuid'] ?? ''),
    location: String(o['location']),
    'last-sequence-number': toBig(o['last-sequence-number'] ?? 0, 'last-sequence-number'),
    'last-updated-ms': Number(req(o, 'last-updated-ms', source)),
    'last-column-id': Number(req(o, 'last-column-id', source)),
    'current-schema-id': Number(o['current-schema-id'] ?? 0),
    schemas,
    'default-spec-id': Number(o['default-spec-id'] ?? 0),
    'partition-specs': specs,
    'last-partition-id': Number(o['last-partition-id'] ?? 999),
    'default-sort-order-id': Number(o['default-sort-order-id'] ?? 0),
    'sort-orders': (o['sort-orders'] as TableMetadata['sort-orders']) ?? [{ 'order-id': 0, fields: [] }],
    properties: (o['properties'] as Record<string, string>) ?? {},
    snapshots,
    'snapshot-log': ((o['snapshot-log'] as Record<string, unknown>[]) ?? []).map((e) => ({
      'snapshot-id': toBig(e['snapshot-id'], 'snapshot-log.snapshot-id'),
      'timestamp-ms': Number(e['timestamp-ms']),
    })),
    'metadata-log': (o['metadata-log'] as TableMetadata['metadata-log']) ?? [],
    refs,
  };
  if (version === 1) md['format-version'] = 1;
  if (refs['main'] !== undefined) md['current-snapshot-id'] = refs['main']['snapshot-id'];
  else delete md['current-snapshot-id'];
  for (const key of ['schema', 'partition-spec'] as const) if (version === 2) delete md[key];
  if (!schemas.some((s) => Number(s['schema-id']) === md['current-schema-id'])) {
    throw new MetadataError(
      `table metadata ${source}: current schema ${md['current-schema-id']} is not in schemas`,
    );
  }
  return md;
}

const KEY_ORDER = [
  'format-version',
  'table-uuid',
  'location',
  'last-sequence-number',
  'last-updated-ms',
  'last-column-id',
  'current-schema-id',
  'schemas',
  'default-spec-id',
  'partition-specs',
  'last-partition-id',
  'default-sort-order-id',
  'sort-orders',
  'properties',
  'current-snapshot-id',
  'refs',
  'snapshots',
  'statistics',
  'partition-statistics',
  'snapshot-log',
  'metadata-log',
];

/** Serializes metadata in the spec's key order; 63-bit ids print exactly. */
export function serializeTableMetadata(md: TableMetadata): string {
  const ordered: Record<string, unknown> = {};
  for (const k of KEY_ORDER) if (md[k] !== undefined) ordered[k] = md[k];
  for (const [k, v] of Object.entries(md)) if (!(k in ordered) && v !== undefined) ordered[k] = v;
  if (md['current-snapshot-id'] === undefined) delete ordered['current-snapshot-id'];
  return stringifyJson(ordered, 2);
}

/** The current schema. */
export function currentSchema(md: TableMetadata): Schema {
  return schemaById(md, md['current-schema-id']);
}

/** A schema by id. */
export function schemaById(md: TableMetadata, id: number): Schema {
  const s = md.schemas.find((x) => Number(x['schema-id']) === id);
  if (!s) throw new MetadataError(`table metadata has no schema ${id}`);
  return schemaFromJson(s);
}

/** The snapshot `main` points at, or undefined for an empty table. */
export function currentSnapshot(md: TableMetadata): SnapshotJson | undefined {
  const id = md.refs['main']?.['snapshot-id'];
  return id === undefined ? undefined : md.snapshots.find((s) => s['snapshot-id'] === id);
}

/** A snapshot by id. */
export function snapshotById(md: TableMetadata, id: bigint): SnapshotJson | undefined {
  return md.snapshots.find((s) => s['snapshot-id'] === id);
}
