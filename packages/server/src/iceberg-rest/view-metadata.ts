/**
 * Iceberg view metadata (view spec v1) and its REST updates, with the rules and messages of the
 * reference `ViewMetadata.Builder`: schemas and versions reused when equal, `-1` for the last one
 * added, one version-log entry per commit, versions beyond `version.history.num-entries` expired,
 * no dialect dropped by a replace unless `replace.drop-dialect.allowed`.
 */
import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { FileIO } from '@lakekit/core';
import { parseJson, stringifyJson } from '@lakekit/core';
import {
  InvalidUpdateError,
  RequirementFailedError,
  schemaFromJson,
  type TableUpdate,
} from '@lakekit/iceberg';

type Json = Record<string, unknown>;

export interface ViewMetadata {
  'view-uuid': string;
  'format-version': number;
  location: string;
  'current-version-id': number;
  properties: Record<string, string>;
  versions: Json[];
  'version-log': { 'timestamp-ms': number; 'version-id': number }[];
  schemas: Json[];
  [key: string]: unknown;
}

const arg = (m: string) => new InvalidUpdateError(m, 'IllegalArgumentException');

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => {
    if (typeof x === 'bigint') return x.toString();
    if (x && typeof x === 'object' && !Array.isArray(x))
      return Object.fromEntries(Object.entries(x as Json).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return x;
  });

const sameSchema = (a: Json, b: Json) => {
  const ids = (s: Json) =>
    [...((s['identifier-field-ids'] as number[] | undefined) ?? [])].map(Number).sort();
  return canonical(a['fields']) === canonical(b['fields']) && canonical(ids(a)) === canonical(ids(b));
};

/** The reference's `sameViewVersion`: ignores the version id, timestamp and (through summary) nothing else. */
const sameVersion = (a: Json, b: Json) =>
  canonical(a['summary'] ?? {}) === canonical(b['summary'] ?? {}) &&
  canonical(a['representations'] ?? []) === canonical(b['representations'] ?? []) &&
  canonical(a['default-catalog'] ?? null) === canonical(b['default-catalog'] ?? null) &&
  canonical(a['default-namespace'] ?? []) === canonical(b['default-namespace'] ?? []) &&
  Number(a['schema-id']) === Number(b['schema-id']);

const dialects = (v: Json | undefined) =>
  new Set(
    ((v?.['representations'] as Json[] | undefined) ?? [])
      .filter((r) => r['type'] === 'sql')
      .map((r) => String(r['dialect']).toLowerCase()),
  );

function int(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  throw arg(`${what} is not an integer`);
}

/** Applies view updates (REST `UpdateTableRequest` on a view, or a create) with the reference's rules. */
export class ViewBuilder {
  private readonly md: ViewMetadata;
  private changes = 0;
  private lastAddedVersion: number | undefined;
  private lastAddedSchema: number | undefined;
  private readonly addedVersions = new Set<number>();
  private history: { 'timestamp-ms': number; 'version-id': number } | undefined;
  private readonly previous: Json | undefined;

  constructor(base?: ViewMetadata) {
    this.md = base
      ? {
          ...base,
          properties: { ...base.properties },
          versions: [...base.versions],
          schemas: [...base.schemas],
          'version-log': [...base['version-log']],
        }
      : {
          'view-uuid': '',
          'format-version': 1,
          location: '',
          'current-version-id': -1,
          properties: {},
          versions: [],
          'version-log': [],
          schemas: [],
        };
    this.previous = base?.versions.find((v) => Number(v['version-id']) === base['current-version-id']);
  }

  apply(updates: readonly TableUpdate[]): this {
    if (!Array.isArray(updates)) throw arg('updates must be an array');
    for (const u of updates) this.one(u);
    return this;
  }

  private one(u: TableUpdate): void {
    const md = this.md;
    switch (u.action) {
      case 'assign-uuid': {
        const uuid = u['uuid'];
        if (typeof uuid !== 'string') throw arg('Cannot set uuid to null');
        if (md['view-uuid'] !== '' && md['view-uuid'] !== uuid) throw arg('Cannot reassign uuid');
        if (md['view-uuid'] === uuid) return;
        md['view-uuid'] = uuid;
        this.changes++;
        return;
      }
      case 'upgrade-format-version': {
        const v = int(u['format-version'], 'format-version');
        if (v < md['format-version']) throw arg(`Cannot downgrade v${md['format-version']} view to v${v}`);
        if (v > 1) throw arg(`Unsupported format version: ${v}`);
        return;
      }
      case 'add-schema':
        this.addSchema(u['schema'] as Json);
        return;
      case 'set-location': {
        if (typeof u['location'] !== 'string' || u['location'] === '') throw arg('Invalid location: null');
        const location = u['location'].replace(/\/+$/, '');
        if (location === md.location) return;
        md.location = location;
        this.changes++;
        return;
      }
      case 'set-properties': {
        const updates = (u['updates'] ?? u['updated'] ?? {}) as Record<string, unknown>;
        if (updates === null || typeof updates !== 'object')
          throw arg('set-properties: updates must be an object');
        if (Object.keys(updates).length === 0) return;
        for (const [k, v] of Object.entries(updates)) {
          if (v === null || v === undefined) throw arg('Invalid value: null');
          md.properties[k] = String(v);
        }
        this.changes++;
        return;
      }
      case 'remove-properties': {
        const removals = (u['removals'] ?? u['removed'] ?? []) as unknown[];
        if (!Array.isArray(removals)) throw arg('remove-properties: removals must be an array');
        if (removals.length === 0) return;
        for (const k of removals) delete md.properties[String(k)];
        this.changes++;
        return;
      }
      case 'add-view-version':
        this.addVersion(u['view-version'] as Json);
        return;
      case 'set-current-view-version':
        this.setCurrentVersion(int(u['view-version-id'], 'view-version-id'));
        return;
      default:
        throw new InvalidUpdateError(
          `unsupported view update: ${String(u.action)} (supported: assign-uuid, upgrade-format-version, add-schema, set-location, set-properties, remove-properties, add-view-version, set-current-view-version)`,
          'BadRequestException',
        );
    }
  }

  /** Adds a schema (or finds the same one); returns its id. */
  addSchema(schema: Json): number {
    if (schema === null || typeof schema !== 'object' || !Array.isArray(schema['fields']))
      throw arg('add-schema: schema has no fields');
    schemaFromJson(schema); // validates the types
    const md = this.md;
    const same = md.schemas.find((s) => sameSchema(s, schema));
    if (same) return Number(same['schema-id']);
    let id = 0;
    for (const s of md.schemas) if (Number(s['schema-id']) >= id) id = Number(s['schema-id']) + 1;
    md.schemas = [...md.schemas, { ...schema, 'schema-id': id }];
    this.lastAddedSchema = id;
    this.changes++;
    return id;
  }

  /** Adds a version (or finds the same one); returns its id. */
  addVersion(version: Json): number {
    if (version === null || typeof version !== 'object')
      throw arg('add-view-version: view-version is required');
    const md = this.md;
    let id = int(version['version-id'], 'version-id');
    let v: Json = { ...version };
    let schemaId = int(v['schema-id'], 'schema-id');
    if (schemaId === -1) {
      if (this.lastAddedSchema === undefined)
        throw arg('Cannot set last added schema: no schema has been added');
      schemaId = this.lastAddedSchema;
    }
    v['schema-id'] = schemaId;
    for (const existing of md.versions) {
      if (sameVersion(existing, v)) {
        const found = Number(existing['version-id']);
        this.lastAddedVersion = this.addedVersions.has(found) ? found : undefined;
        return found;
      }
      if (Number(existing['version-id']) >= id) id = Number(existing['version-id']) + 1;
    }
    if (!md.schemas.some((s) => Number(s['schema-id']) === schemaId))
      throw arg(`Cannot add version with unknown schema: ${schemaId}`);
    const seen = new Set<string>();
    for (const r of (v['representations'] as Json[] | undefined) ?? []) {
      if (r['type'] !== 'sql') continue;
      const d = String(r['dialect']).toLowerCase();
      if (seen.has(d)) throw arg(`Invalid view version: Cannot add multiple queries for dialect ${d}`);
      seen.add(d);
    }
    v = { ...v, 'version-id': id };
    if (typeof v['timestamp-ms'] !== 'number') v['timestamp-ms'] = Date.now();
    md.versions = [...md.versions, v];
    this.addedVersions.add(id);
    this.lastAddedVersion = id;
    this.changes++;
    return id;
  }

  setCurrentVersion(requested: number): void {
    const md = this.md;
    let id = requested;
    if (id === -1) {
      if (this.lastAddedVersion === undefined)
        throw new InvalidUpdateError(
          'Cannot set last version id: no current version id has been set',
          'BadRequestException',
        );
      id = this.lastAddedVersion;
    }
    if (id === md['current-version-id']) return;
    const version = md.versions.find((v) => Number(v['version-id']) === id);
    if (!version) throw arg(`Cannot set current version to unknown version: ${id}`);
    md['current-version-id'] = id;
    this.history = {
      'timestamp-ms': this.addedVersions.has(id) ? Number(version['timestamp-ms']) : Date.now(),
      'version-id': id,
    };
    this.changes++;
  }

  /** The new metadata, or undefined when nothing changed (the reference commits nothing then). */
  build(): ViewMetadata | undefined {
    const md = this.md;
    if (this.changes === 0) return undefined;
    if (md.location === '') throw arg('Invalid location: null');
    if (md.versions.length === 0) throw arg('Invalid view: no versions were added');
    if (md['view-uuid'] === '') md['view-uuid'] = randomUUID();
    if (this.history) md['version-log'] = [...md['version-log'], this.history];
    const current = md.versions.find((v) => Number(v['version-id']) === md['current-version-id']);
    if (!current) throw arg(`Cannot find current version ${md['current-version-id']} in view versions`);
    if (this.previous && md.properties['replace.drop-dialect.allowed'] !== 'true') {
      const before = dialects(this.previous);
      const after = dialects(current);
      if ([...before].some((d) => !after.has(d)))
        throw arg(
          `Cannot replace view due to loss of view dialects (replace.drop-dialect.allowed=false):\nPrevious dialects: [${[...before].join(', ')}]\nNew dialects: [${[...after].join(', ')}]`,
        );
    }
    const historySize = Number(md.properties['version.history.num-entries'] ?? 10);
    if (!Number.isInteger(historySize) || historySize <= 0)
      throw arg(`version.history.num-entries must be positive but was ${historySize}`);
    const keep = Math.max(new Set([...this.addedVersions, md['current-version-id']]).size, historySize);
    if (md.versions.length > keep) {
      const ids = md.versions.map((v) => Number(v['version-id'])).sort((a, b) => b - a);
      const retained = [current];
      for (const id of ids.slice(0, keep)) {
        if (retained.length === keep) break;
        if (id !== md['current-version-id'])
          retained.push(md.versions.find((v) => Number(v['version-id']) === id)!);
      }
      const kept = new Set(retained.map((v) => Number(v['version-id'])));
      md.versions = retained;
      let log: ViewMetadata['version-log'] = [];
      for (const e of md['version-log']) {
        if (kept.has(e['version-id'])) log.push(e);
        else log = [];
      }
      md['version-log'] = log;
    }
    return { ...md };
  }
}

/** Checks a view commit's requirements (only `assert-view-uuid` applies to views). */
export function checkViewRequirements(md: ViewMetadata, requirements: readonly Json[]): void {
  for (const r of requirements) {
    if (r['type'] === 'assert-view-uuid') {
      if (md['view-uuid'] !== r['uuid'])
        throw new RequirementFailedError(
          `Requirement failed: view UUID does not match: expected ${md['view-uuid']} != ${String(r['uuid'])}`,
        );
    } else {
      throw new InvalidUpdateError(
        `unsupported view requirement: ${String(r['type'])}`,
        'BadRequestException',
      );
    }
  }
}

/** Parses view metadata (a `.gz.metadata.json` is gzipped). */
export function parseViewMetadata(bytes: Uint8Array, source: string): ViewMetadata {
  const text = new TextDecoder().decode(bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes);
  const o = parseJson(text) as ViewMetadata;
  if (o === null || typeof o !== 'object' || typeof o['view-uuid'] !== 'string' || !Array.isArray(o.versions))
    throw arg(`${source} is not view metadata`);
  if (Number(o['format-version']) !== 1)
    throw arg(`Unsupported format version: ${String(o['format-version'])}`);
  return {
    ...o,
    properties: o.properties ?? {},
    schemas: o.schemas ?? [],
    'version-log': o['version-log'] ?? [],
  };
}

export async function readViewMetadata(io: FileIO, location: string): Promise<ViewMetadata> {
  return parseViewMetadata(await io.read(location), location);
}

const KEY_ORDER = [
  'view-uuid',
  'format-version',
  'location',
  'current-version-id',
  'properties',
  'versions',
  'version-log',
  'schemas',
];

export function serializeViewMetadata(md: ViewMetadata): string {
  const out: Json = {};
  for (const k of KEY_ORDER) if (md[k] !== undefined) out[k] = md[k];
  for (const [k, v] of Object.entries(md)) if (!(k in out) && v !== undefined) out[k] = v;
  return stringifyJson(out, 2);
}

/** The version number in a metadata file name (`00003-….metadata.json` → 3), or -1. */
function fileVersion(location: string): number {
  const m = /\/(\d+)-[^/]*\.metadata\.json$/.exec(location);
  return m ? Number(m[1]) : -1;
}

/** Where a view's metadata files go: `write.metadata.path` when set, else `<location>/metadata`. */
export function viewMetadataDir(md: ViewMetadata): string {
  const custom = md.properties['write.metadata.path'];
  return (custom && custom !== '' ? custom : `${md.location}/metadata`).replace(/\/+$/, '');
}

/** Writes a new view metadata file next after `previous` (create-if-absent); returns its location. */
export async function writeViewMetadata(io: FileIO, md: ViewMetadata, previous?: string): Promise<string> {
  const version = previous === undefined ? 0 : fileVersion(previous) + 1;
  const location = `${viewMetadataDir(md)}/${String(version).padStart(5, '0')}-${randomUUID()}.metadata.json`;
  await io.createIfAbsent(location, serializeViewMetadata(md));
  return location;
}
