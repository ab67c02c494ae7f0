/**
 * Schema evolution as a pure function (Iceberg spec "Schema Evolution"): columns are added, renamed,
 * dropped, moved, widened or made optional **by field id**, so existing data files keep reading
 * correctly. Changes apply in order, each to the result of the one before; a change that does not
 * apply is a UsageError naming the column. Schema ids and table-level checks (partition sources)
 * are the commit's business (see update-schema.ts).
 */
import {
  type IcebergType,
  isPrimitive,
  type NestedField,
  type PrimitiveType,
  typeToString,
  UsageError,
} from '@lakekit/core';
import type { Schema } from './schema.js';

/** Where a column goes among its siblings. */
export type ColumnPosition =
  | { readonly first: true }
  | { readonly after: string }
  | { readonly before: string };

/**
 * One schema change. Columns are named by dotted path (`address.zip`); inside lists and maps the
 * path may name `element`, `key` or `value`, or skip them to reach the fields of a struct within.
 */
export type SchemaChange =
  | {
      readonly kind: 'add-column';
      /** Dotted path of the new column: its parent struct's path, a dot, and its name. */
      readonly path: string;
      /** The parent struct's path ('' = top level); `path` is then the name as is, dots included. */
      readonly parent?: string;
      readonly type: IcebergType;
      readonly doc?: string;
      /** Required columns need an initial default (format v3); v2 tables reject them. */
      readonly required?: boolean;
      readonly position?: ColumnPosition;
    }
  | { readonly kind: 'rename-column'; readonly path: string; readonly newName: string }
  | { readonly kind: 'drop-column'; readonly path: string }
  | { readonly kind: 'move-column'; readonly path: string; readonly position: ColumnPosition }
  | { readonly kind: 'widen-column'; readonly path: string; readonly type: PrimitiveType }
  | { readonly kind: 'make-optional'; readonly path: string }
  | { readonly kind: 'make-required'; readonly path: string }
  | { readonly kind: 'update-doc'; readonly path: string; readonly doc: string };

/** A schema after changes, and the highest field id ever assigned. */
export interface AppliedSchemaChanges {
  schema: Schema;
  lastColumnId: number;
}

/** A typed value position: a struct field, a list element, or a map key or value. */
interface Slot {
  readonly type: IcebergType;
  readonly required: boolean;
}

/** Where a path leads: the slot's id, its kind, and the id of the struct holding it (0 = the schema). */
interface Located {
  readonly id: number;
  readonly kind: 'field' | 'element' | 'key' | 'value';
  readonly containerId: number;
  readonly path: string;
  readonly slot: Slot;
  readonly field?: NestedField;
}

/** Rewrites a type tree: `slot` sees every struct field, list element and map key/value bottom-up;
 * `struct` sees the (already rewritten) fields of every struct, identified by its container id. */
interface Editor {
  slot?(id: number, slot: Slot): Slot;
  struct?(containerId: number, fields: NestedField[]): NestedField[];
}

function editFields(containerId: number, fields: readonly NestedField[], ed: Editor): NestedField[] {
  const out = fields.map((f) => {
    const type = editType(f.id, f.type, ed);
    const slot = ed.slot ? ed.slot(f.id, { type, required: f.required }) : { type, required: f.required };
    return { ...f, type: slot.type, required: slot.required };
  });
  return ed.struct ? ed.struct(containerId, out) : out;
}

function editType(ownerId: number, t: IcebergType, ed: Editor): IcebergType {
  const slot = (id: number, s: Slot) => (ed.slot ? ed.slot(id, s) : s);
  switch (t.kind) {
    case 'struct':
      return { kind: 'struct', fields: editFields(ownerId, t.fields, ed) };
    case 'list': {
      const e = slot(t.elementId, {
        type: editType(t.elementId, t.element, ed),
        required: t.elementRequired,
      });
      return { ...t, element: e.type, elementRequired: e.required };
    }
    case 'map': {
      const k = slot(t.keyId, { type: editType(t.keyId, t.key, ed), required: true });
      const v = slot(t.valueId, { type: editType(t.valueId, t.value, ed), required: t.valueRequired });
      return { ...t, key: k.type, value: v.type, valueRequired: v.required };
    }
    default:
      return t;
  }
}

const lower = (s: string) => s.toLowerCase();

/** The struct fields directly inside a slot's type (through list elements and map values), with the container id. */
function structInside(
  id: number,
  t: IcebergType,
): { containerId: number; fields: readonly NestedField[] } | undefined {
  if (t.kind === 'struct') return { containerId: id, fields: t.fields };
  if (t.kind === 'list') return structInside(t.elementId, t.element);
  if (t.kind === 'map') return structInside(t.valueId, t.value);
  return undefined;
}

/** Resolves a dotted path (a top-level name may itself contain dots: exact names win). */
function locate(fields: readonly NestedField[], path: string): Located | undefined {
  const walk = (
    containerId: number,
    siblings: readonly NestedField[],
    rest: string,
    prefix: string,
  ): Located | undefined => {
    const exact = siblings.find((f) => f.name === rest);
    if (exact) {
      return {
        id: exact.id,
        kind: 'field',
        containerId,
        path: prefix + exact.name,
        slot: { type: exact.type, required: exact.required },
        field: exact,
      };
    }
    for (const f of siblings) {
      if (!rest.startsWith(`${f.name}.`)) continue;
      const found = inside(f.id, f.type, rest.slice(f.name.length + 1), `${prefix}${f.name}.`);
      if (found) return found;
    }
    return undefined;
  };
  const inside = (id: number, t: IcebergType, rest: string, prefix: string): Located | undefined => {
    if (t.kind === 'struct') return walk(id, t.fields, rest, prefix);
    const slots: [string, number, Slot, Located['kind']][] =
      t.kind === 'list'
        ? [['element', t.elementId, { type: t.element, required: t.elementRequired }, 'element']]
        : t.kind === 'map'
          ? [
              ['key', t.keyId, { type: t.key, required: true }, 'key'],
              ['value', t.valueId, { type: t.value, required: t.valueRequired }, 'value'],
            ]
          : [];
    for (const [name, slotId, slot, kind] of slots) {
      if (rest === name) return { id: slotId, kind, containerId: id, path: prefix + name, slot };
      if (rest.startsWith(`${name}.`)) {
        const found = inside(slotId, slot.type, rest.slice(name.length + 1), `${prefix}${name}.`);
        if (found) return found;
      }
    }
    // Lists of structs and maps with struct values: `points.x` reaches `points.element.x`.
    const s = t.kind === 'list' || t.kind === 'map' ? structInside(id, t) : undefined;
    return s ? walk(s.containerId, s.fields, rest, prefix) : undefined;
  };
  return walk(0, fields, path, '');
}

/** The fields of the struct with this container id (0 = the schema's top level). */
function containerFields(
  fields: readonly NestedField[],
  containerId: number,
): readonly NestedField[] | undefined {
  if (containerId === 0) return fields;
  let found: readonly NestedField[] | undefined;
  editFields(0, fields, {
    struct(id, fs) {
      if (id === containerId) found = fs;
      return fs;
    },
  });
  return found;
}

/** Assigns fresh ids to every nested field of a new column's type (fields of a struct first, then deeper). */
function freshIds(t: IcebergType, nextId: () => number): IcebergType {
  switch (t.kind) {
    case 'struct': {
      const ids = t.fields.map(() => nextId());
      return {
        kind: 'struct',
        fields: t.fields.map((f, i) => ({ ...f, id: ids[i]!, type: freshIds(f.type, nextId) })),
      };
    }
    case 'list': {
      const elementId = nextId();
      return { ...t, elementId, element: freshIds(t.element, nextId) };
    }
    case 'map': {
      const keyId = nextId();
      const valueId = nextId();
      return { ...t, keyId, valueId, key: freshIds(t.key, nextId), value: freshIds(t.value, nextId) };
    }
    default:
      return t;
  }
}

/** Every field id in a type tree. */
function idsOf(t: IcebergType, out: number[] = []): number[] {
  if (t.kind === 'struct')
    for (const f of t.fields) {
      out.push(f.id);
      idsOf(f.type, out);
    }
  else if (t.kind === 'list') {
    out.push(t.elementId);
    idsOf(t.element, out);
  } else if (t.kind === 'map') {
    out.push(t.keyId, t.valueId);
    idsOf(t.key, out);
    idsOf(t.value, out);
  }
  return out;
}

/** Whether a value of type `from` may be read as `to` (the spec's promotions for format v2). */
export function isAllowedPromotion(from: IcebergType, to: IcebergType): boolean {
  if (from.kind === 'int' && to.kind === 'long') return true;
  if (from.kind === 'float' && to.kind === 'double') return true;
  return (
    from.kind === 'decimal' &&
    to.kind === 'decimal' &&
    to.scale === from.scale &&
    to.precision >= from.precision
  );
}

function sameType(a: IcebergType, b: IcebergType): boolean {
  return typeToString(a) === typeToString(b);
}

function usage(message: string, column: string): UsageError {
  return new UsageError(message, { context: { column } });
}

/** Checks a new or renamed column name against its siblings (DuckDB names are case-insensitive, so is this). */
function checkName(
  name: string,
  siblings: readonly NestedField[],
  selfId: number | undefined,
  where: string,
): void {
  if (name === '' || name.trim() !== name) {
    throw usage(
      `invalid column name "${name}"${where}: it must be non-empty without leading or trailing spaces`,
      name,
    );
  }
  const clash = siblings.find((f) => f.id !== selfId && lower(f.name) === lower(name));
  if (clash) {
    throw usage(
      `column "${name}"${where} would clash with existing column "${clash.name}" (names are compared ignoring case)`,
      name,
    );
  }
}

/** Places `field` (removed from `fields` first when present) at `position`; relative names are siblings. */
function place(
  fields: readonly NestedField[],
  field: NestedField,
  position: ColumnPosition | undefined,
  parentPath: string,
  column: string,
): NestedField[] {
  const rest = fields.filter((f) => f.id !== field.id);
  if (position === undefined) return [...rest, field];
  if ('first' in position) return [field, ...rest];
  const ref = 'after' in position ? position.after : position.before;
  // A sibling by plain name, or by full path under the same parent.
  const refName =
    parentPath !== '' && ref.startsWith(`${parentPath}.`) ? ref.slice(parentPath.length + 1) : ref;
  const index = rest.findIndex((f) => f.name === refName);
  if (index < 0) {
    if (refName === field.name) throw usage(`cannot move column ${column} relative to itself`, column);
    throw usage(
      `cannot place column ${column} ${'after' in position ? 'after' : 'before'} "${ref}": no such column${parentPath ? ` in ${parentPath}` : ''} (columns must be siblings)`,
      column,
    );
  }
  const at = 'after' in position ? index + 1 : index;
  return [...rest.slice(0, at), field, ...rest.slice(at)];
}

/**
 * Applies schema changes in order (see module comment). New field ids start at `lastColumnId + 1`.
 * The result keeps the input's schema id; the commit assigns the real one.
 */
export function applySchemaChanges(
  schema: Schema,
  lastColumnId: number,
  changes: readonly SchemaChange[],
): AppliedSchemaChanges {
  let fields: readonly NestedField[] = schema.fields;
  let last = lastColumnId;
  const identifiers = new Set(schema.identifierFieldIds ?? []);
  const find = (path: string): Located => {
    const found = locate(fields, path);
    if (!found) throw usage(`no column ${path} in the table's schema`, path);
    return found;
  };
  const parentPathOf = (l: Located) =>
    l.path.slice(0, Math.max(0, l.path.length - (l.field?.name.length ?? 0) - 1));
  const withStruct = (containerId: number, edit: (fs: NestedField[]) => NestedField[]) => {
    fields =
      containerId === 0
        ? edit([...fields])
        : editFields(0, fields, { struct: (id, fs) => (id === containerId ? edit(fs) : fs) });
  };
  const withSlot = (id: number, edit: (s: Slot) => Slot) => {
    fields = editFields(0, fields, { slot: (slotId, s) => (slotId === id ? edit(s) : s) });
  };
  const needField = (l: Located, what: string): NestedField => {
    if (!l.field)
      throw usage(
        `cannot ${what} ${l.path}: it is a list element or map ${l.kind}, not a struct field`,
        l.path,
      );
    return l.field;
  };

  for (const change of changes) {
    switch (change.kind) {
      case 'add-column': {
        const path = change.path;
        let containerId = 0;
        let siblings: readonly NestedField[] = fields;
        let name = path;
        let parentPath = '';
        const split =
          change.parent === undefined && !fields.some((f) => f.name === path) && path.includes('.');
        if (split || (change.parent !== undefined && change.parent !== '')) {
          const dot = path.lastIndexOf('.');
          parentPath = split ? path.slice(0, dot) : change.parent!;
          name = split ? path.slice(dot + 1) : path;
          const parent = locate(fields, parentPath);
          const struct = parent ? structInside(parent.id, parent.slot.type) : undefined;
          if (!parent || !struct) {
            throw usage(
              `cannot add column ${path}: ${parent ? `${parentPath} is not a struct` : `no column ${parentPath}`}`,
              path,
            );
          }
          containerId = struct.containerId;
          siblings = struct.fields;
          parentPath = parent.path;
        }
        const where = parentPath ? ` in ${parentPath}` : '';
        checkName(name, siblings, undefined, where);
        if (change.required) {
          throw usage(
            `cannot add required column ${path}: existing rows have no value for it (format v2 has no initial defaults); add it as optional`,
            path,
          );
        }
        const id = ++last;
        const type = freshIds(change.type, () => ++last);
        const field: NestedField = {
          id,
          name,
          required: false,
          type,
          ...(change.doc !== undefined ? { doc: change.doc } : {}),
        };
        withStruct(containerId, (fs) => place(fs, field, change.position, parentPath, path));
        break;
      }
      case 'rename-column': {
        const l = find(change.path);
        const f = needField(l, 'rename');
        const parentPath = parentPathOf(l);
        checkName(
          change.newName,
          containerFields(fields, l.containerId) ?? [],
          f.id,
          parentPath ? ` in ${parentPath}` : '',
        );
        withStruct(l.containerId, (fs) =>
          fs.map((x) => (x.id === f.id ? { ...x, name: change.newName } : x)),
        );
        break;
      }
      case 'drop-column': {
        const l = find(change.path);
        const f = needField(l, 'drop');
        const gone = [f.id, ...idsOf(f.type)];
        const identifier = gone.find((id) => identifiers.has(id));
        if (identifier !== undefined) {
          throw usage(
            `cannot drop column ${l.path}: it is (or holds) an identifier field of the table`,
            l.path,
          );
        }
        const siblings = containerFields(fields, l.containerId) ?? [];
        if (l.containerId !== 0 && siblings.length === 1) {
          throw usage(
            `cannot drop column ${l.path}: it is the last field of its struct (drop the struct instead)`,
            l.path,
          );
        }
        if (l.containerId === 0 && siblings.length === 1) {
          throw usage(`cannot drop column ${l.path}: it is the table's only column`, l.path);
        }
        withStruct(l.containerId, (fs) => fs.filter((x) => x.id !== f.id));
        break;
      }
      case 'move-column': {
        const l = find(change.path);
        const f = needField(l, 'move');
        withStruct(l.containerId, (fs) => place(fs, f, change.position, parentPathOf(l), l.path));
        break;
      }
      case 'widen-column': {
        const l = find(change.path);
        const from = l.slot.type;
        if (sameType(from, change.type)) break;
        if (!isPrimitive(from) || !isAllowedPromotion(from, change.type)) {
          throw usage(
            `cannot change column ${l.path} from ${typeToString(from)} to ${typeToString(change.type)}: Iceberg only widens int → long, float → double and decimal(P, S) → decimal(P2, S) with P2 > P`,
            l.path,
          );
        }
        withSlot(l.id, (s) => ({ ...s, type: change.type }));
        break;
      }
      case 'make-optional': {
        const l = find(change.path);
        if (!l.slot.required) break;
        if (l.kind === 'key')
          throw usage(`cannot make ${l.path} optional: map keys are always required`, l.path);
        if (identifiers.has(l.id)) {
          throw usage(
            `cannot make column ${l.path} optional: it is an identifier field of the table`,
            l.path,
          );
        }
        withSlot(l.id, (s) => ({ ...s, required: false }));
        break;
      }
      case 'make-required': {
        const l = find(change.path);
        if (l.slot.required) break;
        throw usage(
          `cannot make column ${l.path} required: existing rows may hold NULL in it (Iceberg allows only required → optional)`,
          l.path,
        );
      }
      case 'update-doc': {
        const l = find(change.path);
        const f = needField(l, 'document');
        withStruct(l.containerId, (fs) => fs.map((x) => (x.id === f.id ? { ...x, doc: change.doc } : x)));
        break;
      }
    }
  }
  return {
    schema: {
      schemaId: schema.schemaId,
      fields,
      ...(schema.identifierFieldIds ? { identifierFieldIds: schema.identifierFieldIds } : {}),
    },
    lastColumnId: last,
  };
}
