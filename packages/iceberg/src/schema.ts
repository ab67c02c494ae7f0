/**
 * Iceberg schemas: conversion between the spec's JSON form and `IcebergType`, and building a schema
 * for new tables (field ids assigned in order). Columns are identified by field id, never by name.
 */
import {
  formatPrimitiveType,
  type IcebergType,
  isPrimitive,
  MetadataError,
  type NestedField,
  parsePrimitiveType,
  type StructType,
} from '@lakekit/core';

/** A table schema: a struct with an id. */
export interface Schema {
  readonly schemaId: number;
  readonly fields: readonly NestedField[];
  readonly identifierFieldIds?: readonly number[];
}

/** The spec's JSON for a type. */
export type TypeJson = string | Record<string, unknown>;

/** Converts a type to the spec's JSON form. */
export function typeToJson(t: IcebergType): TypeJson {
  if (isPrimitive(t)) return formatPrimitiveType(t);
  switch (t.kind) {
    case 'struct':
      return { type: 'struct', fields: t.fields.map(fieldToJson) };
    case 'list':
      return {
        type: 'list',
        'element-id': t.elementId,
        element: typeToJson(t.element),
        'element-required': t.elementRequired,
      };
    case 'map':
      return {
        type: 'map',
        'key-id': t.keyId,
        key: typeToJson(t.key),
        'value-id': t.valueId,
        value: typeToJson(t.value),
        'value-required': t.valueRequired,
      };
  }
}

function fieldToJson(f: NestedField): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: f.id,
    name: f.name,
    required: f.required,
    type: typeToJson(f.type),
  };
  if (f.doc !== undefined) out['doc'] = f.doc;
  return out;
}

/** Parses the spec's JSON form of a type. */
export function typeFromJson(json: unknown): IcebergType {
  if (typeof json === 'string') return parsePrimitiveType(json);
  if (json === null || typeof json !== 'object')
    throw new MetadataError(`invalid type in schema: ${String(json)}`);
  const o = json as Record<string, unknown>;
  switch (o['type']) {
    case 'struct':
      return { kind: 'struct', fields: asArray(o['fields'], 'struct fields').map(fieldFromJson) };
    case 'list':
      return {
        kind: 'list',
        elementId: Number(o['element-id']),
        elementRequired: Boolean(o['element-required']),
        element: typeFromJson(o['element']),
      };
    case 'map':
      return {
        kind: 'map',
        keyId: Number(o['key-id']),
        key: typeFromJson(o['key']),
        valueId: Number(o['value-id']),
        valueRequired: Boolean(o['value-required']),
        value: typeFromJson(o['value']),
      };
    default:
      throw new MetadataError(`unknown nested type "${String(o['type'])}" in schema`);
  }
}

function asArray(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new MetadataError(`invalid schema: ${what} is not a list`);
  return v;
}

function fieldFromJson(json: unknown): NestedField {
  const o = json as Record<string, unknown>;
  if (typeof o?.['name'] !== 'string' || o['id'] === undefined) {
    throw new MetadataError('invalid schema field: needs id and name');
  }
  const f: NestedField = {
    id: Number(o['id']),
    name: o['name'],
    required: Boolean(o['required']),
    type: typeFromJson(o['type']),
    ...(typeof o['doc'] === 'string' ? { doc: o['doc'] } : {}),
  };
  return f;
}

/** Converts a schema to the spec's JSON. */
export function schemaToJson(s: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: 'struct',
    'schema-id': s.schemaId,
    fields: s.fields.map(fieldToJson),
  };
  if (s.identifierFieldIds && s.identifierFieldIds.length > 0)
    out['identifier-field-ids'] = [...s.identifierFieldIds];
  return out;
}

/** Parses a schema from the spec's JSON. */
export function schemaFromJson(json: unknown): Schema {
  const o = json as Record<string, unknown>;
  const t = typeFromJson({ ...o, type: 'struct' }) as StructType;
  const ids = o['identifier-field-ids'];
  return {
    schemaId: Number(o['schema-id'] ?? 0),
    fields: t.fields,
    ...(Array.isArray(ids) ? { identifierFieldIds: ids.map(Number) } : {}),
  };
}

/** The highest field id used anywhere in a type tree. */
export function maxFieldId(fields: readonly NestedField[]): number {
  let max = 0;
  const visit = (t: IcebergType) => {
    if (t.kind === 'struct') for (const f of t.fields) visitField(f);
    else if (t.kind === 'list') {
      max = Math.max(max, t.elementId);
      visit(t.element);
    } else if (t.kind === 'map') {
      max = Math.max(max, t.keyId, t.valueId);
      visit(t.key);
      visit(t.value);
    }
  };
  const visitField = (f: NestedField) => {
    max = Math.max(max, f.id);
    visit(f.type);
  };
  for (const f of fields) visitField(f);
  return max;
}

/** A column to create: name, type and nullability (ids are assigned by `newSchema`). */
export interface ColumnSpec {
  readonly name: string;
  readonly type: IcebergType;
  readonly required?: boolean;
  readonly doc?: string;
}

/**
 * Builds schema 0 of a new table, assigning field ids 1..n to top-level columns first and then to
 * nested fields, as Iceberg's reference implementation does.
 */
export function newSchema(columns: readonly ColumnSpec[]): Schema {
  let next = columns.length;
  const nextId = () => ++next;
  const reassign = (t: IcebergType): IcebergType => {
    if (t.kind === 'struct') {
      const ids = t.fields.map(() => nextId());
      return {
        kind: 'struct',
        fields: t.fields.map((f, i) => ({ ...f, id: ids[i]!, type: reassign(f.type) })),
      };
    }
    if (t.kind === 'list') return { ...t, elementId: nextId(), element: reassign(t.element) };
    if (t.kind === 'map') {
      const keyId = nextId();
      const valueId = nextId();
      return { ...t, keyId, valueId, key: reassign(t.key), value: reassign(t.value) };
    }
    return t;
  };
  const fields = columns.map((c, i) => ({
    id: i + 1,
    name: c.name,
    required: c.required ?? false,
    type: c.type,
    ...(c.doc !== undefined ? { doc: c.doc } : {}),
  }));
  return { schemaId: 0, fields: fields.map((f) => ({ ...f, type: reassign(f.type) })) };
}

/** Finds a top-level field by name (case-sensitive). */
export function findField(schema: Schema, name: string): NestedField | undefined {
  return schema.fields.find((f) => f.name === name);
}
