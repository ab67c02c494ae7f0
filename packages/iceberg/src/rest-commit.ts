/**
 * The commit model of the Iceberg REST catalog protocol: a list of `TableRequirement`s checked
 * against the current metadata and a list of `TableUpdate`s applied to it, committed through the
 * same compare-and-swap of the metadata pointer every Lakekit commit uses (`commitMetadata`). When
 * another writer wins the race, the requirements are checked again on the new head: the REST commit
 * is retried only while they still hold, else it fails with `RequirementFailedError` (HTTP 409).
 */
import { randomUUID } from 'node:crypto';
import { CommitConflictError, LakeError } from '@lakekit/core';
import { commitMetadata } from './commit-metadata.js';
import { maxFieldId, schemaFromJson } from './schema.js';
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

/** An update the server does not support or that is invalid (REST: 400 BadRequestException). */
export class InvalidUpdateError extends LakeError {
  constructor(message: string) {
    super('update_invalid', message);
  }
}

/** The update actions `applyUpdates` knows. */
export const SUPPORTED_UPDATES = [
  'assign-uuid',
  'upgrade-format-version',
  'add-schema',
  'set-current-schema',
  'add-spec',
  'set-default-spec',
  'add-sort-order',
  'set-default-sort-order',
  'add-snapshot',
  'set-snapshot-ref',
  'remove-snapshots',
  'remove-snapshot-ref',
  'set-location',
  'set-properties',
  'remove-properties',
] as const;

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

/** Checks every requirement against `base` (undefined: the table does not exist yet). */
export function checkRequirements(
  base: TableMetadata | undefined,
  requirements: readonly TableRequirement[],
): void {
  for (const r of requirements) {
    if (r.type === 'assert-create') {
      if (base !== undefined) throw new RequirementFailedError('requirement failed: table already exists');
      continue;
    }
    if (base === undefined)
      throw new RequirementFailedError(`requirement failed: ${r.type}: table does not exist`);
    const fail = (what: string, expected: unknown, actual: unknown): never => {
      throw new RequirementFailedError(
        `requirement failed: ${what} has changed: expected ${String(expected ?? 'none')} != ${String(actual ?? 'none')}`,
      );
    };
    switch (r.type) {
      case 'assert-table-uuid':
        if (base['table-uuid'] !== r['uuid']) fail('table uuid', r['uuid'], base['table-uuid']);
        break;
      case 'assert-ref-snapshot-id': {
        const name = String(r['ref']);
        const ref = base.refs[name];
        const expected =
          r['snapshot-id'] === undefined || r['snapshot-id'] === null
            ? undefined
            : big(r['snapshot-id'], 'snapshot-id');
        if (expected === undefined) {
          if (ref !== undefined)
            throw new RequirementFailedError(`requirement failed: ref ${name} was created concurrently`);
        } else if (ref === undefined) {
          throw new RequirementFailedError(
            `requirement failed: ref ${name} is missing, expected snapshot ${expected}`,
          );
        } else if (ref['snapshot-id'] !== expected) {
          fail(`ref ${name}'s snapshot`, expected, ref['snapshot-id']);
        }
        break;
      }
      case 'assert-last-assigned-field-id':
        if (base['last-column-id'] !== int(r['last-assigned-field-id'], 'last-assigned-field-id'))
          fail('last assigned field id', r['last-assigned-field-id'], base['last-column-id']);
        break;
      case 'assert-current-schema-id':
        if (base['current-schema-id'] !== int(r['current-schema-id'], 'current-schema-id'))
          fail('current schema id', r['current-schema-id'], base['current-schema-id']);
        break;
      case 'assert-last-assigned-partition-id':
        if (base['last-partition-id'] !== int(r['last-assigned-partition-id'], 'last-assigned-partition-id'))
          fail('last assigned partition id', r['last-assigned-partition-id'], base['last-partition-id']);
        break;
      case 'assert-default-spec-id':
        if (base['default-spec-id'] !== int(r['default-spec-id'], 'default-spec-id'))
          fail('default spec id', r['default-spec-id'], base['default-spec-id']);
        break;
      case 'assert-default-sort-order-id':
        if (base['default-sort-order-id'] !== int(r['default-sort-order-id'], 'default-sort-order-id'))
          fail('default sort order id', r['default-sort-order-id'], base['default-sort-order-id']);
        break;
      default:
        throw new InvalidUpdateError(`unsupported table requirement: ${r.type}`);
    }
  }
}

/** The starting point of a table created by a commit (`assert-create`): no schema, spec or location yet. */
export function emptyMetadata(): TableMetadata {
  return {
    'format-version': 2,
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

const sameJson = (a: unknown, b: unknown) =>
  JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ===
  JSON.stringify(b, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));

function withoutKey<T extends Record<string, unknown>>(o: T, key: string): Record<string, unknown> {
  const { [key]: _, ...rest } = o;
  return rest;
}

/** Applies updates in order to a copy of `base`; throws InvalidUpdateError naming a bad or unsupported one. */
export function applyUpdates(base: TableMetadata, updates: readonly TableUpdate[]): TableMetadata {
  // A deep enough copy: every field we change is replaced, not mutated in place.
  let md: TableMetadata = { ...base, properties: { ...base.properties }, refs: { ...base.refs } };
  let lastSchema: number | undefined;
  let lastSpec: number | undefined;
  let lastOrder: number | undefined;
  const added = new Set<bigint>();
  for (const u of updates) {
    switch (u.action) {
      case 'assign-uuid': {
        const uuid = String(u['uuid']);
        if (base.schemas.length > 0 && base['table-uuid'] !== uuid)
          throw new InvalidUpdateError(`cannot reassign table uuid ${base['table-uuid']} to ${uuid}`);
        md['table-uuid'] = uuid;
        break;
      }
      case 'upgrade-format-version': {
        const v = int(u['format-version'], 'format-version');
        if (v < md['format-version'])
          throw new InvalidUpdateError(`cannot downgrade format version ${md['format-version']} to ${v}`);
        if (v > 2) throw new InvalidUpdateError(`format version ${v} is not supported (1 or 2)`);
        md['format-version'] = v;
        break;
      }
      case 'add-schema': {
        const json = u['schema'] as Record<string, unknown>;
        const schema = schemaFromJson(json); // validates
        const existing = md.schemas.find((s) =>
          sameJson(withoutKey(s, 'schema-id'), withoutKey(json, 'schema-id')),
        );
        if (existing) {
          lastSchema = Number(existing['schema-id']);
          break;
        }
        const id =
          md.schemas.length === 0
            ? Math.max(0, schema.schemaId)
            : Math.max(...md.schemas.map((s) => Number(s['schema-id']))) + 1;
        md.schemas = [...md.schemas, { ...json, 'schema-id': id }];
        const given = u['last-column-id'] === undefined ? 0 : int(u['last-column-id'], 'last-column-id');
        md['last-column-id'] = Math.max(md['last-column-id'], given, maxFieldId(schema.fields));
        lastSchema = id;
        break;
      }
      case 'set-current-schema': {
        let id = int(u['schema-id'], 'schema-id');
        if (id === -1) {
          if (lastSchema === undefined)
            throw new InvalidUpdateError('set-current-schema -1 without a schema added in this commit');
          id = lastSchema;
        }
        if (!md.schemas.some((s) => Number(s['schema-id']) === id))
          throw new InvalidUpdateError(`no schema with id ${id}`);
        md['current-schema-id'] = id;
        break;
      }
      case 'add-spec': {
        const spec = u['spec'] as { 'spec-id'?: number; fields?: Record<string, unknown>[] };
        let lastId = md['last-partition-id'];
        const fields = (spec.fields ?? []).map((f) => {
          const id = f['field-id'] === undefined ? ++lastId : int(f['field-id'], 'partition field-id');
          lastId = Math.max(lastId, id);
          return { ...f, 'field-id': id };
        });
        const existing = md['partition-specs'].find((s) => sameJson(s.fields, fields));
        if (existing) {
          lastSpec = existing['spec-id'];
          break;
        }
        const id =
          md['partition-specs'].length === 0
            ? 0
            : Math.max(...md['partition-specs'].map((s) => s['spec-id'])) + 1;
        md['partition-specs'] = [...md['partition-specs'], { 'spec-id': id, fields }];
        md['last-partition-id'] = Math.max(md['last-partition-id'], lastId);
        lastSpec = id;
        break;
      }
      case 'set-default-spec': {
        let id = int(u['spec-id'], 'spec-id');
        if (id === -1) {
          if (lastSpec === undefined)
            throw new InvalidUpdateError('set-default-spec -1 without a spec added in this commit');
          id = lastSpec;
        }
        if (!md['partition-specs'].some((s) => s['spec-id'] === id))
          throw new InvalidUpdateError(`no partition spec with id ${id}`);
        md['default-spec-id'] = id;
        break;
      }
      case 'add-sort-order': {
        const order = u['sort-order'] as { 'order-id'?: number; fields?: Record<string, unknown>[] };
        const fields = order.fields ?? [];
        const existing = md['sort-orders'].find((s) => sameJson(s.fields, fields));
        if (existing) {
          lastOrder = existing['order-id'];
          break;
        }
        // Order 0 is reserved for "unsorted".
        const id = fields.length === 0 ? 0 : Math.max(0, ...md['sort-orders'].map((s) => s['order-id'])) + 1;
        md['sort-orders'] = [...md['sort-orders'], { 'order-id': id, fields }];
        lastOrder = id;
        break;
      }
      case 'set-default-sort-order': {
        let id = int(u['sort-order-id'], 'sort-order-id');
        if (id === -1) {
          if (lastOrder === undefined)
            throw new InvalidUpdateError('set-default-sort-order -1 without an order added in this commit');
          id = lastOrder;
        }
        if (!md['sort-orders'].some((s) => s['order-id'] === id))
          throw new InvalidUpdateError(`no sort order with id ${id}`);
        md['default-sort-order-id'] = id;
        break;
      }
      case 'add-snapshot': {
        const s = u['snapshot'] as Record<string, unknown>;
        if (typeof s?.['manifest-list'] !== 'string')
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
          throw new InvalidUpdateError(`snapshot ${snap['snapshot-id']} already exists`);
        if (
          md['format-version'] >= 2 &&
          snap['sequence-number'] <= md['last-sequence-number'] &&
          snap['parent-snapshot-id'] !== undefined
        )
          throw new InvalidUpdateError(
            `cannot add snapshot with sequence number ${snap['sequence-number']} older than last sequence number ${md['last-sequence-number']}`,
          );
        md.snapshots = [...md.snapshots, snap];
        if (snap['sequence-number'] > md['last-sequence-number'])
          md['last-sequence-number'] = snap['sequence-number'];
        added.add(snap['snapshot-id']);
        break;
      }
      case 'set-snapshot-ref': {
        const name = String(u['ref-name']);
        const id = big(u['snapshot-id'], 'snapshot-id');
        const snap = md.snapshots.find((s) => s['snapshot-id'] === id);
        if (!snap) throw new InvalidUpdateError(`set-snapshot-ref ${name}: no snapshot ${id}`);
        const type = u['type'] === 'tag' ? 'tag' : 'branch';
        const ref: RefJson = { 'snapshot-id': id, type };
        for (const k of ['max-ref-age-ms', 'max-snapshot-age-ms', 'min-snapshots-to-keep'] as const) {
          if (u[k] !== undefined && u[k] !== null) ref[k] = int(u[k], k);
        }
        md.refs = { ...md.refs, [name]: ref };
        if (name === 'main') {
          md['current-snapshot-id'] = id;
          const ts = added.has(id) ? snap['timestamp-ms'] : Date.now();
          md['snapshot-log'] = [...md['snapshot-log'], { 'snapshot-id': id, 'timestamp-ms': ts }];
        }
        break;
      }
      case 'remove-snapshots': {
        const ids = new Set(((u['snapshot-ids'] as unknown[]) ?? []).map((v) => big(v, 'snapshot-ids')));
        md.snapshots = md.snapshots.filter((s) => !ids.has(s['snapshot-id']));
        md['snapshot-log'] = md['snapshot-log'].filter((e) => !ids.has(e['snapshot-id']));
        const refs: Record<string, RefJson> = {};
        for (const [n, r] of Object.entries(md.refs)) if (!ids.has(r['snapshot-id'])) refs[n] = r;
        md.refs = refs;
        if (refs['main'] === undefined) delete md['current-snapshot-id'];
        break;
      }
      case 'remove-snapshot-ref': {
        const name = String(u['ref-name']);
        const { [name]: _, ...rest } = md.refs;
        md.refs = rest;
        if (name === 'main') delete md['current-snapshot-id'];
        break;
      }
      case 'set-location':
        if (typeof u['location'] !== 'string' || u['location'] === '')
          throw new InvalidUpdateError('set-location needs a location');
        md.location = u['location'].replace(/\/$/, '');
        break;
      case 'set-properties': {
        const updates = (u['updates'] ?? {}) as Record<string, unknown>;
        for (const [k, v] of Object.entries(updates)) md.properties[k] = String(v);
        break;
      }
      case 'remove-properties':
        for (const k of (u['removals'] as string[] | undefined) ?? []) delete md.properties[k];
        break;
      default:
        throw new InvalidUpdateError(
          `unsupported table update: ${u.action} (supported: ${SUPPORTED_UPDATES.join(', ')})`,
        );
    }
    md = { ...md };
  }
  validate(md);
  return md;
}

/** What a committed table needs: a location, a current schema, a default spec and sort order. */
function validate(md: TableMetadata): void {
  if (md.location === '') throw new InvalidUpdateError('table metadata has no location (set-location)');
  if (!md.schemas.some((s) => Number(s['schema-id']) === md['current-schema-id']))
    throw new InvalidUpdateError('table metadata has no current schema (add-schema, set-current-schema)');
  if (md['partition-specs'].length === 0) md['partition-specs'] = [{ 'spec-id': 0, fields: [] }];
  if (md['default-spec-id'] === -1) md['default-spec-id'] = 0;
  if (md['sort-orders'].length === 0) md['sort-orders'] = [{ 'order-id': 0, fields: [] }];
  if (md['default-sort-order-id'] === -1) md['default-sort-order-id'] = 0;
  for (const [name, r] of Object.entries(md.refs)) {
    if (!md.snapshots.some((s) => s['snapshot-id'] === r['snapshot-id']))
      throw new InvalidUpdateError(
        `ref ${name} points at snapshot ${r['snapshot-id']}, which does not exist`,
      );
  }
}

/**
 * Commits REST requirements and updates to an existing table through `commitMetadata` (write the
 * next metadata file, swap the pointer). On a lost race the requirements are checked again on the
 * new head; the returned metadata is what was committed.
 */
export async function commitRestUpdates(
  table: Table,
  requirements: readonly TableRequirement[],
  updates: readonly TableUpdate[],
  options: { maxAttempts?: number } = {},
): Promise<TableMetadata> {
  return commitMetadata(
    table,
    async (base) => {
      checkRequirements(base, requirements);
      return { metadata: applyUpdates(base, updates) };
    },
    { maxAttempts: options.maxAttempts ?? 4 },
  );
}
