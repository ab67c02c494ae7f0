/**
 * Parses a column type as users write it on a command line: Iceberg's primitive names (`long`,
 * `decimal(12, 2)`, `fixed[16]`) and the nested forms `typeToString` prints (`struct<zip: string>`,
 * `list<long>`, `map<string, double>`). Nested fields come out optional with placeholder ids (0):
 * adding the column assigns the real ones.
 */
import { type IcebergType, type NestedField, parsePrimitiveType, UsageError } from '@lakekit/core';

/** Parses a type (see module comment); a UsageError names the text when it is not a type. */
export function parseIcebergType(text: string): IcebergType {
  let pos = 0;
  const fail = (why: string): never => {
    throw new UsageError(
      `invalid type "${text}": ${why} (expected e.g. long, decimal(12, 2), string, struct<zip: string>, list<long>, map<string, long>)`,
      { context: { type: text } },
    );
  };
  const skip = () => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  const expect = (c: string) => {
    skip();
    if (text[pos] !== c) fail(`expected "${c}" at position ${pos + 1}`);
    pos++;
  };
  const word = (): string => {
    skip();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(pos));
    if (!m) fail(`expected a type name at position ${pos + 1}`);
    pos += m![0].length;
    return m![0].toLowerCase();
  };
  const fieldName = (): string => {
    skip();
    if (text[pos] === '"' || text[pos] === '`') {
      const q = text[pos]!;
      const end = text.indexOf(q, pos + 1);
      if (end < 0) fail('unterminated quoted field name');
      const name = text.slice(pos + 1, end);
      pos = end + 1;
      return name;
    }
    const m = /^[^\s:<>,]+/.exec(text.slice(pos));
    if (!m) fail(`expected a field name at position ${pos + 1}`);
    pos += m![0].length;
    return m![0];
  };
  const type = (): IcebergType => {
    const name = word();
    if (name === 'struct') {
      expect('<');
      const fields: NestedField[] = [];
      for (;;) {
        const n = fieldName();
        expect(':');
        fields.push({ id: 0, name: n, required: false, type: type() });
        skip();
        if (text[pos] !== ',') break;
        pos++;
      }
      expect('>');
      return { kind: 'struct', fields };
    }
    if (name === 'list') {
      expect('<');
      const element = type();
      expect('>');
      return { kind: 'list', elementId: 0, elementRequired: false, element };
    }
    if (name === 'map') {
      expect('<');
      const key = type();
      expect(',');
      const value = type();
      expect('>');
      return { kind: 'map', keyId: 0, key, valueId: 0, valueRequired: false, value };
    }
    skip();
    // Parameters of decimal(p, s) and fixed[n] belong to the primitive name.
    let params = '';
    if (text[pos] === '(' || text[pos] === '[') {
      const close = text.indexOf(text[pos] === '(' ? ')' : ']', pos);
      if (close < 0) fail('unclosed type parameters');
      params = text.slice(pos, close + 1);
      pos = close + 1;
    }
    try {
      return parsePrimitiveType(name + params);
    } catch (e) {
      return fail((e as Error).message);
    }
  };
  const result = type();
  skip();
  if (pos !== text.length) fail(`unexpected "${text.slice(pos)}"`);
  return result;
}
