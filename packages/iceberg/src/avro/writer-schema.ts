/**
 * Navigation of a writer's Avro schema (parsed JSON) so that manifests from any writer are read by
 * Iceberg field id first and by name second: Java, PyIceberg and older versions name some fields
 * differently (v1 `added_data_files_count`), but the ids are fixed by the spec.
 */
import { MetadataError } from '@lakekit/core';

/** A record field of a writer schema. */
export interface AvroField {
  name: string;
  type: unknown;
  'field-id'?: number;
  'iceberg-field-name'?: string;
}

/** What to look up: the spec's field id and the names writers have used for it. */
export type FieldWanted = readonly [id: number, ...names: string[]];

/** A writer schema with its named types indexed, so `"decimal_9_2"`-style references resolve. */
export class WriterSchema {
  private readonly named = new Map<string, Record<string, unknown>>();

  constructor(readonly root: unknown) {
    this.index(root, '');
  }

  /** The schema a type stands for: a named reference is followed, a `["null", T]` union yields T. */
  nonNull(type: unknown): unknown {
    let t = type;
    if (Array.isArray(t)) {
      const branches = t.filter((b) => b !== 'null');
      if (branches.length !== 1) throw new MetadataError(`unsupported Avro union ${JSON.stringify(t)}`);
      t = branches[0];
    }
    if (typeof t === 'string') {
      const hit = this.named.get(t);
      if (hit) return hit;
    }
    return t;
  }

  /** The fields of a record type (after `nonNull`); throws when the type is not a record. */
  fields(type: unknown, what: string): AvroField[] {
    const t = this.nonNull(type) as { type?: unknown; fields?: unknown };
    if (typeof t !== 'object' || t === null || t.type !== 'record' || !Array.isArray(t.fields)) {
      throw new MetadataError(`${what} is not an Avro record in the writer schema`);
    }
    return t.fields as AvroField[];
  }

  private index(t: unknown, namespace: string): void {
    if (Array.isArray(t)) {
      for (const b of t) this.index(b, namespace);
      return;
    }
    if (typeof t !== 'object' || t === null) return;
    const o = t as Record<string, unknown>;
    let ns = namespace;
    if (typeof o.name === 'string' && (o.type === 'record' || o.type === 'fixed' || o.type === 'enum')) {
      if (typeof o.namespace === 'string') ns = o.namespace;
      const short = o.name.includes('.') ? o.name.slice(o.name.lastIndexOf('.') + 1) : o.name;
      if (o.name.includes('.')) ns = o.name.slice(0, o.name.lastIndexOf('.'));
      this.named.set(short, o);
      if (ns !== '') this.named.set(`${ns}.${short}`, o);
    }
    if (Array.isArray(o.fields)) for (const f of o.fields) this.index((f as AvroField).type, ns);
    if (o.items !== undefined) this.index(o.items, ns);
    if (o.values !== undefined) this.index(o.values, ns);
  }
}

/** Maps each wanted key to the writer's field (by field id, then by any of the names), if present. */
export function planFields<K extends string>(
  fields: readonly AvroField[],
  wanted: Record<K, FieldWanted>,
): Record<K, AvroField | undefined> {
  const out = {} as Record<K, AvroField | undefined>;
  for (const key of Object.keys(wanted) as K[]) {
    const [id, ...names] = wanted[key];
    out[key] =
      fields.find((f) => f['field-id'] === id) ??
      fields.find((f) => f['field-id'] === undefined && names.includes(f.name));
  }
  return out;
}

/** A field the spec requires; throws MetadataError naming it when the writer schema lacks it. */
export function requireField(field: AvroField | undefined, what: string): AvroField {
  if (!field) throw new MetadataError(`Avro writer schema has no ${what} field`);
  return field;
}
