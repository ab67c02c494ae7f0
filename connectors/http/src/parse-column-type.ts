/**
 * Declared column types (`columns:` of a resource) in Iceberg's notation: primitives (`long`,
 * `decimal(12,2)`, `timestamptz`) and nested `list<T>`, `map<K, V>`, `struct<name: T, …>`. Nested
 * fields get placeholder ids 1, 2, …: the runner assigns real ones when it creates the table.
 */
import { ConfigError, type IcebergType, type NestedField, parsePrimitiveType } from '@lakekit/core';

/** Parses a type; a ConfigError names `where` and the text when it is not one. */
export function parseColumnType(text: string, where: string): IcebergType {
  let pos = 0;
  let nextId = 1;
  const fail = (why: string): never => {
    throw new ConfigError(
      `${where}: invalid type "${text}": ${why} (expected e.g. long, decimal(12,2), timestamptz, list<string>, map<string, long>, struct<a: long>)`,
      { context: { type: text } },
    );
  };
  const skip = () => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  const eat = (c: string) => {
    skip();
    if (text[pos] !== c) fail(`expected "${c}" at position ${pos + 1}`);
    pos++;
  };
  const type = (): IcebergType => {
    skip();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(pos));
    if (!m) return fail(`expected a type name at position ${pos + 1}`);
    const name = m[0].toLowerCase();
    pos += m[0].length;
    if (name === 'list') {
      eat('<');
      const element = type();
      eat('>');
      return { kind: 'list', elementId: nextId++, elementRequired: false, element };
    }
    if (name === 'map') {
      eat('<');
      const key = type();
      eat(',');
      const value = type();
      eat('>');
      return { kind: 'map', keyId: nextId++, key, valueId: nextId++, valueRequired: false, value };
    }
    if (name === 'struct') {
      eat('<');
      const fields: NestedField[] = [];
      for (;;) {
        skip();
        const f = /^[^\s:<>,]+/.exec(text.slice(pos));
        if (!f) fail(`expected a field name at position ${pos + 1}`);
        pos += f![0].length;
        eat(':');
        fields.push({ id: nextId++, name: f![0], required: false, type: type() });
        skip();
        if (text[pos] !== ',') break;
        pos++;
      }
      eat('>');
      return { kind: 'struct', fields };
    }
    let full = name;
    skip();
    if (text[pos] === '(' || text[pos] === '[') {
      const close = text.indexOf(text[pos] === '(' ? ')' : ']', pos);
      if (close < 0) fail('unbalanced brackets');
      full += text.slice(pos, close + 1);
      pos = close + 1;
    }
    try {
      return parsePrimitiveType(full);
    } catch (e) {
      return fail((e as Error).message);
    }
  };
  const t = type();
  skip();
  if (pos !== text.length) fail(`unexpected "${text.slice(pos)}"`);
  return t;
}
