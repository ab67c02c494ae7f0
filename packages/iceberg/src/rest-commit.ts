/**
 * The commit model of the Iceberg REST catalog protocol: a list of `TableRequirement`s checked
 * against the current metadata and a list of `TableUpdate`s applied to it, committed through the
 * same compare-and-swap of the metadata pointer every Lakekit commit uses (`commitMetadata`). When
 * another writer wins the race, the requirements are checked again on the new head: the REST commit
 * is retried only while they still hold, else it fails with `RequirementFailedError` (HTTP 409).
 *
 * Updates follow the rules of Iceberg's reference `TableMetadata.Builder` (ids a schema, spec or sort
 * order gets, reuse of an equal one, `-1` for "the last one added", snapshot log and statistics
 * bookkeeping, no new metadata file for a commit that changes nothing) and its messages, so clients
 * see the same answers as from the reference catalog. `createTableMetadata` is the reference's
 * `newTableMetadata`: fresh column ids, spec and sort order bound to them by name.
 */
import { randomUUID } from 'node:crypto';
import { CommitConflictError, LakeError } from '@lakekit/core';
import { commitMetadata } from './commit-metadata.js';
import { schemaFromJson } from './schema.js';
import type { Table } from './table.js';
import type { RefJson, SnapshotJson, TableMetadata } from './table-metadata.js';

/** A REST `TableRequirement` (`type` plus its fields, kebab-case as on the wire). */
export interface TableRequirement {
  type: string;
  [key: string]: unknown;
}

/** A REST `TableUpdate` (`action` plus its fields). */
export interface TableUpdate {
  action: string;
  [key: string]: unknown;
}

/** A requirement does not hold on the current metadata (REST: 409 CommitFailedException). */
export class RequirementFailedError extends CommitConflictError {
  constructor(message: string) {
    super(message);
  }
}

/**
 * An update the server does not support or that is invalid (REST: 400). `type` is the error type
 * the REST answer carries: the reference catalog's `IllegalArgumentException` for a bad argument
 * (Java clients rethrow it as such), `BadRequestException` for an unsupported update.
 */
export class InvalidUpdateError extends LakeError {
  constructor(
    message: string,
    readonly type: 'IllegalArgumentException' | 'BadRequestException' = 'IllegalArgumentException',
  ) {
    super('update_invalid', message);
  }
}

/** The highest table format version Lakekit reads and writes. */
export const MAX_FORMAT_VERSION = 2;

/** The update actions `applyUpdates` knows. */
export const SUPPORTED_UPDATES = [
  'assign-uuid',
  'upgrade-format-version',
  'add-schema',
  'set-current-schema',
  'remove-schemas',
  'add-spec',
  'set-default-spec',
  'remove-partition-specs',
  'add-sort-order',
  'set-default-sort-order',
  'add-snapshot',
  'set-snapshot-ref',
  'remove-snapshots',
  'remove-snapshot-ref',
  'set-location',
  'set-properties',
  'remove-properties',
  'set-statistics',
  'remove-statistics',
  'set-partition-statistics',
  'remove-partition-statistics',
] as const;

/** Table properties that are not stored: they name metadata fields (`format-version` picks the version). */
export const RESERVED_TABLE_PROPERTIES = new Set([
  'format-version',
  'uuid',
  'snapshot-count',
  'current-snapshot-id',
  'current-snapshot-summary',
  'current-snapshot-timestamp-ms',
  'current-schema',
  'default-partition-spec',
  'default-sort-order',
]);

function big(v: unknown, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  throw new InvalidUpdateError(`${what} is not an integer`);
}

function int(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  throw new InvalidUpdateError(`${what} is not an integer`);
}

function object(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new InvalidUpdateError(`${what} must be an object`);
  return v as Record<string, unknown>;
}

const fail = (message: string): never => {
  throw new RequirementFailedError(message);
};

/** Checks every requirement against `base` (undefined: the table does not exist yet). */
export function checkRequirements(
  base: TableMetadata | undefined,
  requirements: readonly TableRequirement[],
): void {
  for (const r of requirements) {
    if (r.type === 'assert-create') {
      if (base !== undefined) fail('Requirement failed: table already exists');
      continue;
    }
    if (base === undefined) fail(`Requirement failed: ${r.type}: table does not exist`);
    const md = base!;
    const changed = (what: string, expected: unknown, actual: unknown) =>
      fail(`Requirement failed: ${what} changed: expected id ${String(expected)} != ${String(actual)}`);
    switch (r.type) {
      case 'assert-table-uuid':
        if (md['table-uuid'] !== r['uuid'])
          fail(
            `Requirement failed: UUID does not match: expected ${md['table-uuid']} != ${String(r['uuid'])}`,
          );
        break;
      case 'assert-ref-snapshot-id': {
        const name = String(r['ref']);
        const ref = md.refs[name];
        const expected =
          r['snapshot-id'] === undefined || r['snapshot-id'] === null
            ? undefined
            : big(r['snapshot-id'], 'snapshot-id');
        if (ref !== undefined) {
          const type = ref.type === 'tag' ? 'tag' : 'branch';
          if (expected === undefined) fail(`Requirement failed: ${type} ${name} was created concurrently`);
          if (ref['snapshot-id'] !== expected)
            fail(
              `Requirement failed: ${type} ${name} has changed: expected id ${expected} != ${ref['snapshot-id']}`,
            );
        } else if (expected !== undefined) {
          fail(`Requirement failed: branch or tag ${name} is missing, expected ${expected}`);
        }
        break;
      }
      case 'assert-last-assigned-field-id': {
        const v = int(r['last-assigned-field-id'], 'last-assigned-field-id');
        if (md['last-column-id'] !== v) changed('last assigned field id', v, md['last-column-id']);
        break;
      }
      case 'assert-current-schema-id': {
        const v = int(r['current-schema-id'], 'current-schema-id');
        if (md['current-schema-id'] !== v) changed('current schema', v, md['current-schema-id']);
        break;
      }
      case 'assert-last-assigned-partition-id': {
        const v = int(r['last-assigned-partition-id'], 'last-assigned-partition-id');
        if (md['last-partition-id'] !== v) changed('last assigned partition id', v, md['last-partition-id']);
        break;
      }
      case 'assert-default-spec-id': {
        const v = int(r['default-spec-id'], 'default-spec-id');
        if (md['default-spec-id'] !== v) changed('default partition spec', v, md['default-spec-id']);
        break;
      }
      case 'assert-default-sort-order-id': {
        const v = int(r['default-sort-order-id'], 'default-sort-order-id');
        if (md['default-sort-order-id'] !== v) changed('default sort order', v, md['default-sort-order-id']);
        break;
      }
      default:
        throw new InvalidUpdateError(`unsupported table requirement: ${r.type}`, 'BadRequestException');
    }
  }
}

/** The starting point of a table created by a commit (`assert-create`): no schema, spec or location yet. */
export function emptyMetadata(formatVersion = 2): TableMetadata {
  if (formatVersion < 1 || formatVersion > MAX_FORMAT_VERSION)
    throw new InvalidUpdateError(
      `Unsupported format version: v${formatVersion} (supported: v${MAX_FORMAT_VERSION})`,
    );
  return {
    'format-version': formatVersion,
    'table-uuid': randomUUID(),
    location: '',
    'last-sequence-number': 0n,
    'last-updated-ms': Date.now(),
    'last-column-id': 0,
    'current-schema-id': -1,
    schemas: [],
    'default-spec-id': -1,
    'partition-specs': [],
    'last-partition-id': 999,
    'default-sort-order-id': -1,
    'sort-orders': [],
    properties: {},
    snapshots: [],
    'snapshot-log': [],
    'metadata-log': [],
    refs: {},
  };
}

// Schemas as JSON: comparisons and field lookups that ignore the schema id.

type Json = Record<string, unknown>;

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => {
    if (typeof x === 'bigint') return x.toString();
    if (x && typeof x === 'object' && !Array.isArray(x))
      return Object.fromEntries(Object.entries(x as Json).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return x;
  });

/** Iceberg's `Schema.sameSchema`: the same struct and identifier fields, whatever the schema id. */
function sameSchema(a: Json, b: Json): boolean {
  const ids = (s: Json) =>
    [...((s['identifier-field-ids'] as number[] | undefined) ?? [])].map(Number).sort();
  return canonical(a['fields']) === canonical(b['fields']) && canonical(ids(a)) === canonical(ids(b));
}

/** Every field of a type tree with its dotted name (struct fields, list elements, map keys and values). */
function indexFields(fields: readonly Json[]): Map<number, string> {
  const out = new Map<number, string>();
  const visitType = (t: unknown, prefix: string) => {
    if (t === null || typeof t !== 'object') return;
    const o = t as Json;
    if (o['type'] === 'struct') for (const f of o['fields'] as Json[]) visitField(f, prefix);
    else if (o['type'] === 'list') {
      out.set(Number(o['element-id']), `${prefix}element`);
      visitType(o['element'], `${prefix}element.`);
    } else if (o['type'] === 'map') {
      out.set(Number(o['key-id']), `${prefix}key`);
      out.set(Number(o['value-id']), `${prefix}value`);
      visitType(o['key'], `${prefix}key.`);
      visitType(o['value'], `${prefix}value.`);
    }
  };
  const visitField = (f: Json, prefix: string) => {
    const name = `${prefix}${String(f['name'])}`;
    out.set(Number(f['id']), name);
    visitType(f['type'], `${name}.`);
  };
  for (const f of fields) visitField(f, '');
  return out;
}

const highestFieldId = (schema: Json) => Math.max(0, ...indexFields(schema['fields'] as Json[]).keys());

/**
 * Iceberg's `TypeUtil.assignFreshIds`: new ids from `next()`, the fields of a struct before the
 * fields nested in them, as the reference implementation numbers them.
 */
function assignFreshIds(schema: Json, next: () => number): Json {
  const freshType = (t: unknown): unknown => {
    if (t === null || typeof t !== 'object') return t;
    const o = t as Json;
    if (o['type'] === 'struct') return { ...o, fields: freshFields(o['fields'] as Json[]) };
    if (o['type'] === 'list') {
      const id = next();
      return { ...o, 'element-id': id, element: freshType(o['element']) };
    }
    if (o['type'] === 'map') {
      const keyId = next();
      const valueId = next();
      return {
        ...o,
        'key-id': keyId,
        key: freshType(o['key']),
        'value-id': valueId,
        value: freshType(o['value']),
      };
    }
    return t;
  };
  const freshFields = (fields: readonly Json[]): Json[] => {
    const ids = fields.map(() => next());
    return fields.map((f, i) => ({ ...f, id: ids[i], type: freshType(f['type']) }));
  };
  const fields = freshFields(schema['fields'] as Json[]);
  const out: Json = { ...schema, fields };
  const identifiers = schema['identifier-field-ids'] as number[] | undefined;
  if (identifiers && identifiers.length > 0) {
    const oldNames = indexFields(schema['fields'] as Json[]);
    const newIds = new Map([...indexFields(fields)].map(([id, name]) => [name, id]));
    out['identifier-field-ids'] = identifiers.map((id) => newIds.get(oldNames.get(Number(id)) ?? '') ?? id);
  }
  return out;
}

/** What `createTableMetadata` builds a table from (the body of a REST create-table request). */
export interface NewTableRequest {
  schema: Json;
  spec?: Json | undefined;
  writeOrder?: Json | undefined;
  location: string;
  properties?: Record<string, string> | undefined;
}

/**
 * Metadata of a new table as Iceberg's `TableMetadata.newTableMetadata` builds it: column ids assigned
 * afresh from 1, the partition spec and sort order bound to the new ids by column name (partition
 * field ids from 1000, a sorted order gets id 1), `format-version` taken from the properties.
 */
export function createTableMetadata(request: NewTableRequest): TableMetadata {
  const props = request.properties ?? {};
  const version = props['format-version'] === undefined ? 2 : Number(props['format-version']);
  if (!Number.isInteger(version))
    throw new InvalidUpdateError(`invalid format-version ${props['format-version']}`);
  let lastId = 0;
  const oldNames = indexFields((request.schema['fields'] as Json[] | undefined) ?? []);
  const fresh = assignFreshIds({ ...request.schema, 'schema-id': 0 }, () => ++lastId);
  const newIds = new Map([...indexFields(fresh['fields'] as Json[])].map(([id, name]) => [name, id]));
  const rebind = (sourceId: unknown, what: string) => {
    const name = oldNames.get(Number(sourceId));
    const id = name === undefined ? undefined : newIds.get(name);
    if (id === undefined)
      throw new InvalidUpdateError(`Cannot find source column for ${what}: ${String(sourceId)}`);
    return id;
  };
  let fieldId = 999;
  const specFields = ((request.spec?.['fields'] as Json[] | undefined) ?? []).map((f) => ({
    name: f['name'],
    transform: f['transform'],
    'source-id': rebind(f['source-id'], `partition field ${String(f['name'])}`),
    'field-id': ++fieldId,
  }));
  const orderFields = ((request.writeOrder?.['fields'] as Json[] | undefined) ?? []).map((f) => ({
    ...f,
    'source-id': rebind(f['source-id'], 'sort field'),
  }));
  const properties: Record<string, string> = { 'write.parquet.compression-codec': 'zstd' };
  for (const [k, v] of Object.entries(props))
    if (!RESERVED_TABLE_PROPERTIES.has(k)) properties[k] = String(v);
  return applyUpdates(emptyMetadata(version), [
    { action: 'add-schema', schema: fresh },
    { action: 'set-current-schema', 'schema-id': -1 },
    { action: 'add-spec', spec: { 'spec-id': 0, fields: specFields } },
    { action: 'set-default-spec', 'spec-id': -1 },
    { action: 'add-sort-order', 'sort-order': { 'order-id': 1, fields: orderFields } },
    { action: 'set-default-sort-order', 'sort-order-id': -1 },
    { action: 'set-location', location: request.location },
    { action: 'set-properties', updates: properties },
  ]);
}

/** `applyTableUpdates`' answer: the new metadata and whether anything changed. */
export interface AppliedUpdates {
  metadata: TableMetadata;
  /** False when every update was a no-op: nothing to commit. */
  changed: boolean;
}

/** Applies updates in order to a copy of `base`; throws InvalidUpdateError naming a bad or unsupported one. */
export function applyUpdates(base: TableMetadata, updates: readonly TableUpdate[]): TableMetadata {
  return applyTableUpdates(base, updates).metadata;
}

/** `applyUpdates`, also telling whether anything changed (the reference skips such commits). */
export function applyTableUpdates(base: TableMetadata, updates: readonly TableUpdate[]): AppliedUpdates {
  return new Builder(base).apply(updates).build();
}

interface SpecJson {
  'spec-id': number;
  fields: Json[];
}
interface OrderJson {
  'order-id': number;
  fields: Json[];
}

/** The reference `TableMetadata.Builder`, on the JSON metadata. */
class Builder {
  private readonly md: TableMetadata;
  private changes = 0;
  private lastAddedSchema: number | undefined;
  private lastAddedSpec: number | undefined;
  private lastAddedOrder: number | undefined;
  private readonly addedSchemas = new Set<number>();
  private readonly addedSpecs = new Set<number>();
  private readonly addedOrders = new Set<number>();
  private readonly addedSnapshots = new Set<bigint>();
  /** Snapshots set as main in this change, in order (for the snapshot log). */
  private readonly mainSets: bigint[] = [];
  private removedSnapshots = false;
  private readonly creating: boolean;

  constructor(private readonly base: TableMetadata) {
    this.creating = base.schemas.length === 0;
    this.md = {
      ...base,
      schemas: [...base.schemas],
      'partition-specs': [...base['partition-specs']],
      'sort-orders': [...base['sort-orders']],
      properties: { ...base.properties },
      refs: { ...base.refs },
      snapshots: [...base.snapshots],
      'snapshot-log': [...base['snapshot-log']],
    };
  }

  private currentSchema(): Json | undefined {
    return this.md.schemas.find((s) => Number(s['schema-id']) === this.md['current-schema-id']);
  }

  apply(updates: readonly TableUpdate[]): this {
    if (!Array.isArray(updates)) throw new InvalidUpdateError('updates must be an array');
    for (const u of updates) {
      if (u === null || typeof u !== 'object') throw new InvalidUpdateError('an update must be an object');
      this.one(u);
    }
    return this;
  }

  private one(u: TableUpdate): void {
    const md = this.md;
    switch (u.action) {
      case 'assign-uuid': {
        if (typeof u['uuid'] !== 'string') throw new InvalidUpdateError('Cannot set uuid to null');
        if (u['uuid'] === md['table-uuid']) return;
        if (!this.creating)
          throw new InvalidUpdateError(`Cannot reassign table uuid ${md['table-uuid']} to ${u['uuid']}`);
        md['table-uuid'] = u['uuid'];
        this.changes++;
        return;
      }
      case 'upgrade-format-version': {
        const v = int(u['format-version'], 'format-version');
        if (v > MAX_FORMAT_VERSION)
          throw new InvalidUpdateError(
            `Cannot upgrade table to unsupported format version: v${v} (supported: v${MAX_FORMAT_VERSION})`,
          );
        if (v < md['format-version'])
          throw new InvalidUpdateError(`Cannot downgrade v${md['format-version']} table to v${v}`);
        if (v === md['format-version']) return;
        md['format-version'] = v;
        this.changes++;
        return;
      }
      case 'add-schema':
        this.addSchema(object(u['schema'], 'add-schema: schema'));
        return;
      case 'set-current-schema': {
        let id = int(u['schema-id'], 'schema-id');
        if (id === -1) {
          if (this.lastAddedSchema === undefined)
            throw new InvalidUpdateError('Cannot set last added schema: no schema has been added');
          id = this.lastAddedSchema;
        }
        if (id === md['current-schema-id']) return;
        if (!md.schemas.some((s) => Number(s['schema-id']) === id))
          throw new InvalidUpdateError(`Cannot set current schema to unknown schema: ${id}`);
        md['current-schema-id'] = id;
        this.changes++;
        return;
      }
      case 'remove-schemas': {
        const ids = new Set(((u['schema-ids'] as unknown[]) ?? []).map((v) => int(v, 'schema-ids')));
        if (ids.has(md['current-schema-id']))
          throw new InvalidUpdateError('Cannot remove the current schema');
        if (ids.size === 0) return;
        md.schemas = md.schemas.filter((s) => !ids.has(Number(s['schema-id'])));
        this.changes++;
        return;
      }
      case 'add-spec':
        this.addSpec(object(u['spec'], 'add-spec: spec'));
        return;
      case 'set-default-spec': {
        let id = int(u['spec-id'], 'spec-id');
        if (id === -1) {
          if (this.lastAddedSpec === undefined)
            throw new InvalidUpdateError('Cannot set last added spec: no spec has been added');
          id = this.lastAddedSpec;
        }
        if (id === md['default-spec-id']) return;
        if (!md['partition-specs'].some((s) => s['spec-id'] === id))
          throw new InvalidUpdateError(`Cannot set default partition spec to unknown spec: ${id}`);
        md['default-spec-id'] = id;
        this.changes++;
        return;
      }
      case 'remove-partition-specs': {
        const ids = new Set(((u['spec-ids'] as unknown[]) ?? []).map((v) => int(v, 'spec-ids')));
        if (ids.has(md['default-spec-id']))
          throw new InvalidUpdateError('Cannot remove the default partition spec');
        if (ids.size === 0) return;
        md['partition-specs'] = md['partition-specs'].filter((s) => !ids.has(s['spec-id']));
        this.changes++;
        return;
      }
      case 'add-sort-order':
        this.addSortOrder(object(u['sort-order'], 'add-sort-order: sort-order'));
        return;
      case 'set-default-sort-order': {
        let id = int(u['sort-order-id'], 'sort-order-id');
        if (id === -1) {
          if (this.lastAddedOrder === undefined)
            throw new InvalidUpdateError('Cannot set last added sort order: no sort order has been added');
          id = this.lastAddedOrder;
        }
        if (id === md['default-sort-order-id']) return;
        if (!md['sort-orders'].some((s) => s['order-id'] === id))
          throw new InvalidUpdateError(`Cannot set default sort order to unknown order: ${id}`);
        md['default-sort-order-id'] = id;
        this.changes++;
        return;
      }
      case 'add-snapshot':
        this.addSnapshot(object(u['snapshot'], 'add-snapshot: snapshot'));
        return;
      case 'set-snapshot-ref':
        this.setRef(u);
        return;
      case 'remove-snapshots': {
        const list = u['snapshot-ids'];
        if (!Array.isArray(list))
          throw new InvalidUpdateError('Invalid set of snapshot ids to remove: must be non-null');
        const ids = new Set(list.map((v) => big(v, 'snapshot-ids')));
        const kept = md.snapshots.filter((s) => !ids.has(s['snapshot-id']));
        if (kept.length === md.snapshots.length) return;
        md.snapshots = kept;
        this.removedSnapshots = true;
        this.changes++;
        for (const id of ids) {
          this.removeStats('statistics', id);
          this.removeStats('partition-statistics', id);
        }
        for (const [name, ref] of Object.entries(md.refs))
          if (!md.snapshots.some((s) => s['snapshot-id'] === ref['snapshot-id'])) this.removeRef(name);
        return;
      }
      case 'remove-snapshot-ref':
        this.removeRef(String(u['ref-name']));
        return;
      case 'set-location': {
        if (typeof u['location'] !== 'string' || u['location'] === '')
          throw new InvalidUpdateError('Invalid location: null');
        const location = u['location'].replace(/\/+$/, '');
        if (location === md.location) return;
        md.location = location;
        this.changes++;
        return;
      }
      case 'set-properties': {
        // `updated` is the name older clients used.
        const updates = object(u['updates'] ?? u['updated'] ?? {}, 'set-properties: updates');
        if (Object.keys(updates).length === 0) return;
        for (const [k, v] of Object.entries(updates)) {
          if (v === null || v === undefined)
            throw new InvalidUpdateError(`Invalid value: null (property ${k})`);
          md.properties[k] = String(v);
        }
        this.changes++;
        return;
      }
      case 'remove-properties': {
        const removals = (u['removals'] ?? u['removed'] ?? []) as unknown[];
        if (!Array.isArray(removals))
          throw new InvalidUpdateError('remove-properties: removals must be an array');
        if (removals.length === 0) return;
        for (const k of removals) delete md.properties[String(k)];
        this.changes++;
        return;
      }
      case 'set-statistics':
        this.setStats('statistics', u['statistics'], u['snapshot-id']);
        return;
      case 'remove-statistics':
        this.removeStats('statistics', big(u['snapshot-id'], 'snapshot-id'));
        return;
      case 'set-partition-statistics':
        this.setStats('partition-statistics', u['partition-statistics'], undefined);
        return;
      case 'remove-partition-statistics':
        this.removeStats('partition-statistics', big(u['snapshot-id'], 'snapshot-id'));
        return;
      default:
        throw new InvalidUpdateError(
          `unsupported table update: ${String(u.action)} (supported: ${SUPPORTED_UPDATES.join(', ')})`,
          'BadRequestException',
        );
    }
  }

  private addSchema(json: Json): void {
    const md = this.md;
    if (!Array.isArray(json['fields'])) throw new InvalidUpdateError('add-schema: schema has no fields');
    schemaFromJson(json); // validates the types
    const existing = md.schemas.find((s) => sameSchema(s, json));
    const lastColumnId = Math.max(md['last-column-id'], highestFieldId(json));
    if (existing && lastColumnId === md['last-column-id']) {
      const id = Number(existing['schema-id']);
      this.lastAddedSchema = this.addedSchemas.has(id) ? id : undefined;
      return;
    }
    md['last-column-id'] = lastColumnId;
    this.changes++;
    if (existing) {
      this.lastAddedSchema = Number(existing['schema-id']);
      return;
    }
    let id = Math.max(0, md['current-schema-id']);
    for (const s of md.schemas) if (Number(s['schema-id']) >= id) id = Number(s['schema-id']) + 1;
    md.schemas = [...md.schemas, { ...json, 'schema-id': id }];
    this.addedSchemas.add(id);
    this.lastAddedSchema = id;
  }

  private addSpec(spec: Json): void {
    const md = this.md;
    const schema = this.currentSchema();
    if (!schema) throw new InvalidUpdateError('Cannot add a partition spec before a schema is added');
    const columns = indexFields(schema['fields'] as Json[]);
    let lastId = md['last-partition-id'];
    const fields = ((spec['fields'] as Json[] | undefined) ?? []).map((f) => {
      const transform = String(f['transform']);
      if (!columns.has(Number(f['source-id'])) && transform !== 'void')
        throw new InvalidUpdateError(
          `Cannot find source column for partition field: ${Number(f['field-id'] ?? 0)}: ${String(f['name'])}: ${transform}(${String(f['source-id'])})`,
        );
      const id = f['field-id'] === undefined ? ++lastId : int(f['field-id'], 'partition field-id');
      lastId = Math.max(lastId, id);
      return {
        name: String(f['name']),
        transform,
        'source-id': int(f['source-id'], 'source-id'),
        'field-id': id,
      };
    });
    const sig = (fs: readonly Json[]) =>
      canonical(fs.map((f) => [Number(f['source-id']), String(f['transform']), String(f['name'])]));
    const existing = md['partition-specs'].find((s) => sig(s.fields) === sig(fields));
    if (existing) {
      const id = existing['spec-id'];
      this.lastAddedSpec = this.addedSpecs.has(id) ? id : undefined;
      return;
    }
    if (md['format-version'] === 1 && fields.some((f, i) => f['field-id'] !== 1000 + i))
      throw new InvalidUpdateError(
        `Spec does not use sequential IDs that are required in v1: ${canonical(fields)}`,
      );
    let id = 0;
    for (const s of md['partition-specs']) if (s['spec-id'] >= id) id = s['spec-id'] + 1;
    md['partition-specs'] = [...md['partition-specs'], { 'spec-id': id, fields } as SpecJson];
    md['last-partition-id'] = Math.max(md['last-partition-id'], ...fields.map((f) => f['field-id']));
    this.addedSpecs.add(id);
    this.lastAddedSpec = id;
    this.changes++;
  }

  private addSortOrder(order: Json): void {
    const md = this.md;
    const schema = this.currentSchema();
    if (!schema) throw new InvalidUpdateError('Cannot add a sort order before a schema is added');
    const columns = indexFields(schema['fields'] as Json[]);
    const fields = ((order['fields'] as Json[] | undefined) ?? []).map((f) => {
      if (!columns.has(Number(f['source-id'])))
        throw new InvalidUpdateError(`Cannot find source column for sort field: ${String(f['source-id'])}`);
      return {
        transform: String(f['transform']),
        'source-id': int(f['source-id'], 'source-id'),
        direction: String(f['direction']),
        'null-order': String(f['null-order']),
      };
    });
    const existing =
      fields.length === 0
        ? md['sort-orders'].find((s) => s.fields.length === 0)
        : md['sort-orders'].find((s) => canonical(s.fields) === canonical(fields));
    if (existing) {
      const id = existing['order-id'];
      this.lastAddedOrder = this.addedOrders.has(id) ? id : undefined;
      return;
    }
    let id = 0;
    if (fields.length > 0) {
      id = 1;
      for (const s of md['sort-orders']) if (s['order-id'] >= id) id = s['order-id'] + 1;
    }
    md['sort-orders'] = [...md['sort-orders'], { 'order-id': id, fields } as OrderJson];
    this.addedOrders.add(id);
    this.lastAddedOrder = id;
    this.changes++;
  }

  private addSnapshot(s: Json): void {
    const md = this.md;
    if (md.schemas.length === 0)
      throw new InvalidUpdateError('Attempting to add a snapshot before a schema is added');
    if (typeof s['manifest-list'] !== 'string')
      throw new InvalidUpdateError('add-snapshot: snapshot has no manifest-list');
    const snap: SnapshotJson = {
      ...(s as SnapshotJson),
      'snapshot-id': big(s['snapshot-id'], 'snapshot-id'),
      'sequence-number': big(s['sequence-number'] ?? 0, 'sequence-number'),
      'timestamp-ms': int(s['timestamp-ms'], 'timestamp-ms'),
    };
    if (s['parent-snapshot-id'] === undefined || s['parent-snapshot-id'] === null)
      delete snap['parent-snapshot-id'];
    else snap['parent-snapshot-id'] = big(s['parent-snapshot-id'], 'parent-snapshot-id');
    if (md.snapshots.some((x) => x['snapshot-id'] === snap['snapshot-id']))
      throw new InvalidUpdateError(`Snapshot already exists for id: ${snap['snapshot-id']}`);
    if (
      md['format-version'] >= 2 &&
      snap['sequence-number'] <= md['last-sequence-number'] &&
      snap['parent-snapshot-id'] !== undefined
    )
      // The reference answers this with a commit failure: the client retries on fresh metadata.
      throw new RequirementFailedError(
        `Validation failed, please retry: Cannot add snapshot with sequence number ${snap['sequence-number']} older than last sequence number ${md['last-sequence-number']}`,
      );
    md.snapshots = [...md.snapshots, snap];
    if (snap['sequence-number'] > md['last-sequence-number'])
      md['last-sequence-number'] = snap['sequence-number'];
    this.addedSnapshots.add(snap['snapshot-id']);
    this.changes++;
  }

  private setRef(u: TableUpdate): void {
    const md = this.md;
    const name = String(u['ref-name']);
    const id = big(u['snapshot-id'], 'snapshot-id');
    const type = u['type'] === 'tag' ? 'tag' : 'branch';
    const ref: RefJson = { 'snapshot-id': id, type };
    for (const k of ['min-snapshots-to-keep', 'max-snapshot-age-ms', 'max-ref-age-ms'] as const) {
      if (u[k] !== undefined && u[k] !== null) ref[k] = int(u[k], k);
    }
    const old = md.refs[name];
    if (old && canonical(old) === canonical(ref)) return;
    const snap = md.snapshots.find((s) => s['snapshot-id'] === id);
    if (!snap) throw new InvalidUpdateError(`Cannot set ${name} to unknown snapshot: ${id}`);
    if (name === 'main') {
      md['current-snapshot-id'] = id;
      const ts = this.addedSnapshots.has(id) ? snap['timestamp-ms'] : Date.now();
      md['snapshot-log'] = [...md['snapshot-log'], { 'snapshot-id': id, 'timestamp-ms': ts }];
      this.mainSets.push(id);
    }
    md.refs = { ...md.refs, [name]: ref };
    this.changes++;
  }

  private removeRef(name: string): void {
    const md = this.md;
    if (name === 'main') delete md['current-snapshot-id'];
    if (md.refs[name] === undefined) return;
    const { [name]: _, ...rest } = md.refs;
    md.refs = rest;
    this.changes++;
  }

  private setStats(key: 'statistics' | 'partition-statistics', file: unknown, legacyId: unknown): void {
    const f = object(file, `set-${key}: ${key}`);
    const id = big(f['snapshot-id'] ?? legacyId, `set-${key}: snapshot-id`);
    if (typeof f['statistics-path'] !== 'string')
      throw new InvalidUpdateError(`set-${key}: statistics-path is required`);
    const list = ((this.md[key] as Json[] | undefined) ?? []).filter(
      (x) => big(x['snapshot-id'], 'snapshot-id') !== id,
    );
    this.md[key] = [...list, { ...f, 'snapshot-id': id }];
    this.changes++;
  }

  private removeStats(key: 'statistics' | 'partition-statistics', id: bigint): void {
    const list = (this.md[key] as Json[] | undefined) ?? [];
    const kept = list.filter((x) => big(x['snapshot-id'], 'snapshot-id') !== id);
    if (kept.length === list.length) return;
    if (kept.length === 0) delete this.md[key];
    else this.md[key] = kept;
    this.changes++;
  }

  build(): AppliedUpdates {
    const md = this.md;
    if (this.changes === 0) return { metadata: this.base, changed: false };
    if (md.location === '') throw new InvalidUpdateError('table metadata has no location (set-location)');
    const schema = this.currentSchema();
    if (!schema)
      throw new InvalidUpdateError('table metadata has no current schema (add-schema, set-current-schema)');
    if (md['partition-specs'].length === 0) md['partition-specs'] = [{ 'spec-id': 0, fields: [] }];
    if (md['default-spec-id'] === -1) md['default-spec-id'] = 0;
    if (md['sort-orders'].length === 0) md['sort-orders'] = [{ 'order-id': 0, fields: [] }];
    if (md['default-sort-order-id'] === -1) md['default-sort-order-id'] = 0;
    const columns = indexFields(schema['fields'] as Json[]);
    const spec = md['partition-specs'].find((s) => s['spec-id'] === md['default-spec-id']);
    for (const f of spec?.fields ?? [])
      if (!columns.has(Number(f['source-id'])) && f['transform'] !== 'void')
        throw new InvalidUpdateError(
          `Cannot find source column for partition field: ${String(f['field-id'])}: ${String(f['name'])}: ${String(f['transform'])}(${String(f['source-id'])})`,
        );
    const order = md['sort-orders'].find((s) => s['order-id'] === md['default-sort-order-id']);
    for (const f of order?.fields ?? [])
      if (!columns.has(Number(f['source-id'])))
        throw new InvalidUpdateError(`Cannot find source column for sort field: ${String(f['source-id'])}`);
    for (const [name, r] of Object.entries(md.refs)) {
      if (!md.snapshots.some((s) => s['snapshot-id'] === r['snapshot-id']))
        throw new InvalidUpdateError(
          `ref ${name} points at snapshot ${r['snapshot-id']}, which does not exist`,
        );
    }
    md['snapshot-log'] = this.snapshotLog();
    md['last-updated-ms'] = Date.now();
    return { metadata: { ...md }, changed: true };
  }

  /**
   * The reference's snapshot log rules: snapshots added and made current in this change but then
   * replaced by a later one leave no entry; after snapshots were removed, an entry of a snapshot that
   * no longer exists drops the history before it (no gaps that would mislead time travel).
   */
  private snapshotLog(): TableMetadata['snapshot-log'] {
    const md = this.md;
    const current = md['current-snapshot-id'];
    const intermediate = new Set(this.mainSets.filter((id) => this.addedSnapshots.has(id) && id !== current));
    if (intermediate.size === 0 && !this.removedSnapshots) return md['snapshot-log'];
    const exists = new Set(md.snapshots.map((s) => s['snapshot-id']));
    let log: TableMetadata['snapshot-log'] = [];
    for (const e of md['snapshot-log']) {
      if (exists.has(e['snapshot-id'])) {
        if (!intermediate.has(e['snapshot-id'])) log.push(e);
      } else if (this.removedSnapshots) {
        log = [];
      }
    }
    return log;
  }
}

/**
 * Commits REST requirements and updates to an existing table through `commitMetadata` (write the
 * next metadata file, swap the pointer). On a lost race the requirements are checked again on the
 * new head; the returned metadata is what was committed — or the current metadata when the updates
 * change nothing (no new metadata file then, as in the reference catalog).
 */
export async function commitRestUpdates(
  table: Table,
  requirements: readonly TableRequirement[],
  updates: readonly TableUpdate[],
  options: { maxAttempts?: number } = {},
): Promise<TableMetadata> {
  // Nothing to change on the head the caller loaded: answer it without writing a metadata file.
  checkRequirements(table.metadata, requirements);
  if (!applyTableUpdates(table.metadata, updates).changed) return table.metadata;
  const base = table.metadata;
  const committed = await commitMetadata(
    table,
    async (head) => {
      checkRequirements(head, requirements);
      return { metadata: applyTableUpdates(head, updates).metadata };
    },
    { maxAttempts: options.maxAttempts ?? 4 },
  );
  await deleteDroppedMetadataFiles(table, base, committed);
  return committed;
}

/**
 * With `write.metadata.delete-after-commit.enabled`, the metadata files that left the metadata log in
 * this commit are deleted (as the reference catalog does); best effort, a failure leaves them.
 */
async function deleteDroppedMetadataFiles(
  table: Table,
  base: TableMetadata,
  committed: TableMetadata,
): Promise<void> {
  if (committed.properties['write.metadata.delete-after-commit.enabled'] !== 'true') return;
  const kept = new Set(committed['metadata-log'].map((e) => e['metadata-file']));
  const dropped = base['metadata-log'].map((e) => e['metadata-file']).filter((f) => !kept.has(f));
  await Promise.all(dropped.map((f) => table.io.delete(f).catch(() => undefined)));
}
