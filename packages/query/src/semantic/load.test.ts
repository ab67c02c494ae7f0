/**
 * Loading semantic models: every validation error is a ConfigError naming the file and line, the
 * model and the field. Columns come from a fixed table list standing in for the catalog.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import { type ColumnsOf, loadSemanticModels, parseSemanticModels } from './load.js';

const TABLES: Record<string, Record<string, string>> = {
  'shop.customers': { id: 'long', region: 'string', store_id: 'long', signed_up: 'date' },
  'shop.orders': {
    id: 'long',
    customer_id: 'long',
    store_id: 'long',
    ordered_at: 'date',
    amount: 'decimal(12, 2)',
  },
  'shop.stores': { id: 'long', customer_id: 'long', city: 'string' },
};
const columnsOf: ColumnsOf = async (table) => {
  const t = TABLES[table];
  return t && Object.entries(t).map(([name, type]) => ({ name, type }));
};

const BASE = `entities:
  - name: customers
    table: shop.customers
    primary_key: [id]
    dimensions:
      - name: region
      - name: signup_date
        expr: signed_up
        time_grains: [month]
    measures:
      - name: customer_count
        agg: count
  - name: orders
    table: shop.orders
    primary_key: [id]
    dimensions:
      - name: order_date
        expr: ordered_at
        time_grains: [day, month]
    measures:
      - name: amount
        agg: sum
        expr: amount
      - name: order_count
        agg: count
relationships:
  - name: order_customer
    from: orders
    to: customers
    kind: many_to_one
    on: { customer_id: id }
`;
const METRICS = `metrics:
  - name: sales
    kind: simple
    measure: orders.amount
  - name: orders_n
    kind: simple
    measure: order_count
`;

const load = (files: Record<string, string>) =>
  parseSemanticModels(
    Object.entries(files).map(([file, text]) => ({ file, text })),
    { columnsOf },
  );

/** Loads and returns the ConfigError it must fail with. */
async function configError(files: Record<string, string>): Promise<ConfigError> {
  try {
    await load(files);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('the models loaded without an error');
}

describe('loading semantic models', () => {
  it('loads a valid model with canonical references', async () => {
    const m = await load({ 'semantic/a.yaml': BASE, 'semantic/b.yaml': METRICS });
    expect(m.entities.map((e) => e.name)).toEqual(['customers', 'orders']);
    expect(m.entities[0]!.dimensions[0]).toEqual({ name: 'region', expr: 'region' });
    expect(m.entities[0]!.dimensions[1]).toEqual({
      name: 'signup_date',
      expr: 'signed_up',
      time: { grains: ['month'] },
    });
    expect(m.relationships).toEqual([
      {
        name: 'order_customer',
        from: 'orders',
        to: 'customers',
        kind: 'many_to_one',
        on: [{ from: 'customer_id', to: 'id' }],
      },
    ]);
    // An unqualified measure is stored as entity.measure.
    expect(m.metrics[1]).toEqual({ name: 'orders_n', kind: 'simple', measure: 'orders.order_count' });
    expect(m.sources.map((s) => s.file)).toEqual(['semantic/a.yaml', 'semantic/b.yaml']);
  });

  it('reads *.yaml and *.yml of a folder in name order; a missing folder is an empty model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lakekit-semantic-unit-'));
    try {
      writeFileSync(join(dir, 'b.yml'), METRICS);
      writeFileSync(join(dir, 'a.yaml'), BASE);
      writeFileSync(join(dir, 'notes.txt'), 'not a model');
      const m = await loadSemanticModels(dir, { columnsOf });
      const folder = dir.split('/').at(-1);
      expect(m.sources.map((s) => s.file)).toEqual([`${folder}/a.yaml`, `${folder}/b.yml`]);
      expect(m.metrics.map((x) => x.name)).toEqual(['sales', 'orders_n']);
      expect(await loadSemanticModels(join(dir, 'missing'))).toEqual({
        entities: [],
        relationships: [],
        metrics: [],
        synonyms: [],
        sources: [],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unknown column names the file, line, model and field', async () => {
    const e = await configError({ 'semantic/a.yaml': BASE.replace('expr: ordered_at', 'expr: ordered_on') });
    expect(e.message).toBe(
      'semantic/a.yaml:18: entity orders, dimensions.order_date.expr: column ordered_on does not exist in shop.orders (columns: id, customer_id, store_id, ordered_at, amount)',
    );
    expect(e.context).toMatchObject({
      file: 'semantic/a.yaml',
      line: 18,
      model: 'entity orders',
      field: 'dimensions.order_date.expr',
    });
    const byName = await configError({ 'semantic/a.yaml': BASE.replace('- name: region', '- name: area') });
    expect(byName.message).toMatch(
      /^semantic\/a\.yaml:6: entity customers, dimensions\.area\.expr: column area does not exist in shop\.customers \(expr defaults to the dimension name\)/,
    );
    const measure = await configError({
      'semantic/a.yaml': BASE.replace('expr: amount', 'expr: amount * qty'),
    });
    expect(measure.message).toMatch(
      /^semantic\/a\.yaml:23: entity orders, measures\.amount\.expr: column qty does not exist in shop\.orders/,
    );
    const key = await configError({
      'semantic/a.yaml': BASE.replace('primary_key: [id]', 'primary_key: [uid]'),
    });
    expect(key.message).toMatch(
      /^semantic\/a\.yaml:4: entity customers, primary_key: column uid does not exist in shop\.customers/,
    );
    const on = await configError({
      'semantic/a.yaml': BASE.replace('{ customer_id: id }', '{ client_id: id }'),
    });
    expect(on.message).toBe(
      'semantic/a.yaml:31: relationship order_customer, on.client_id: column client_id does not exist in shop.orders (entity orders)',
    );
  });

  it('a table that does not exist is named', async () => {
    const e = await configError({
      'semantic/a.yaml': BASE.replace('table: shop.orders', 'table: shop.purchases'),
    });
    expect(e.message).toBe('semantic/a.yaml:14: entity orders, table: table shop.purchases does not exist');
  });

  it('refuses unsafe or invalid expressions', async () => {
    const sub = await configError({
      'semantic/a.yaml': BASE.replace('expr: signed_up', "expr: '(SELECT 1)'"),
    });
    expect(sub.message).toMatch(
      /entity customers, dimensions\.signup_date\.expr: invalid expression: "SELECT" is not allowed/,
    );
    const agg = await configError({ 'semantic/a.yaml': BASE.replace('expr: amount', 'expr: sum(amount)') });
    expect(agg.message).toMatch(/measures\.amount\.expr: invalid expression: aggregate and window functions/);
    const time = await configError({ 'semantic/a.yaml': BASE.replace('expr: ordered_at', 'expr: amount') });
    expect(time.message).toMatch(
      /dimensions\.order_date\.expr: a time dimension needs a date or timestamp; column amount is decimal\(12, 2\)/,
    );
  });

  it('unknown keys, wrong values and YAML syntax errors name the line', async () => {
    const key = await configError({
      'semantic/a.yaml': BASE.replace(
        '        agg: count\n  - name: orders',
        '        agg: count\n        colour: red\n  - name: orders',
      ),
    });
    expect(key.message).toBe(
      'semantic/a.yaml:13: entity customers, measures.customer_count: unknown key "colour"',
    );
    const agg = await configError({ 'semantic/a.yaml': BASE.replace('agg: sum', 'agg: total') });
    expect(agg.message).toMatch(
      /^semantic\/a\.yaml:22: entity orders, measures\.amount\.agg: Invalid option/,
    );
    const grain = await configError({ 'semantic/a.yaml': BASE.replace('[day, month]', '[day, fortnight]') });
    expect(grain.message).toMatch(
      /^semantic\/a\.yaml:19: entity orders, dimensions\.order_date\.time_grains\.#2: Invalid option/,
    );
    const missing = await configError({ 'semantic/a.yaml': BASE.replace('    table: shop.orders\n', '') });
    expect(missing.message).toBe('semantic/a.yaml:13: entity orders, table: is required');
    const yaml = await configError({ 'semantic/a.yaml': 'entities:\n  - name: x\n   table: [' });
    expect(yaml.message).toMatch(/^semantic\/a\.yaml:3:\d+: invalid YAML/);
    const name = await configError({ 'semantic/a.yaml': BASE.replace('- name: region', '- name: Region') });
    expect(name.message).toMatch(
      /^semantic\/a\.yaml:6: entity customers, dimensions\.Region\.name: must be lower-case/,
    );
  });

  it('duplicate names name both places', async () => {
    const e = await configError({
      'semantic/a.yaml': BASE,
      'semantic/c.yaml': 'entities:\n  - name: orders\n    table: shop.orders\n    primary_key: [id]\n',
    });
    expect(e.message).toBe(
      'semantic/c.yaml:2: entity orders, name: entity orders is already defined at semantic/a.yaml:13',
    );
    const dim = await configError({
      'semantic/a.yaml': BASE.replace('- name: order_count', '- name: order_date'),
    });
    expect(dim.message).toMatch(
      /entity orders, measures\.order_date: measure order_date: entity orders already has a dimension of that name/,
    );
    const metric = await configError({
      'semantic/a.yaml': BASE,
      'semantic/b.yaml': `${METRICS}  - name: sales\n    kind: simple\n    measure: amount\n`,
    });
    expect(metric.message).toBe(
      'semantic/b.yaml:8: metric sales, name: metric sales is already defined at semantic/b.yaml:2',
    );
    const clash = await configError({
      'semantic/a.yaml': BASE,
      'semantic/b.yaml': 'metrics:\n  - { name: region, kind: simple, measure: amount }\n',
    });
    expect(clash.message).toMatch(
      /metric region, name: region is already the name of a dimension \(customers\.region\)/,
    );
  });

  it('relationships: unknown entities, joins off the primary key, cycles and ambiguous joins', async () => {
    const unknown = await configError({ 'semantic/a.yaml': BASE.replace('to: customers', 'to: clients') });
    expect(unknown.message).toBe('semantic/a.yaml:29: relationship order_customer, to: no entity clients');
    const offKey = await configError({
      'semantic/a.yaml': BASE.replace('{ customer_id: id }', '{ store_id: store_id }'),
    });
    expect(offKey.message).toMatch(
      /relationship order_customer, on: the "one" side \(customers\) must be joined on its primary key \(id\), got store_id/,
    );
    const cycle = await configError({
      'semantic/a.yaml': `${BASE}  - name: customer_home_order\n    from: customers\n    to: orders\n    kind: many_to_one\n    on: { store_id: id }\n`,
    });
    expect(cycle.message).toBe(
      'semantic/a.yaml:34: relationship customer_home_order, to: cycle of many-to-one relationships: customers → orders → customers (customer_home_order, order_customer); two entities that are one-to-one need only one relationship',
    );
    const stores = `  - name: stores\n    table: shop.stores\n    primary_key: [id]\n    dimensions:\n      - name: city\n`;
    const ambiguous = await configError({
      'semantic/a.yaml': BASE.replace('relationships:\n', `${stores}relationships:\n`),
      'semantic/b.yaml': `relationships:
  - name: order_store
    from: orders
    to: stores
    kind: many_to_one
    on: { store_id: id }
  - name: store_owner
    from: stores
    to: customers
    kind: many_to_one
    on: { customer_id: id }
`,
    });
    expect(ambiguous.message).toBe(
      'semantic/b.yaml:7: relationship store_owner, name: ambiguous join: orders reaches customers two ways: orders → customers (order_customer) and orders → stores → customers (order_store, store_owner). Between two entities there may be only one chain of many-to-one relationships; model each role as its own entity',
    );
    expect(ambiguous.context).toMatchObject({
      file: 'semantic/b.yaml',
      line: 7,
      model: 'relationship store_owner',
      field: 'name',
    });
    const twice = await configError({
      'semantic/a.yaml': `${BASE}  - name: customer_orders\n    from: customers\n    to: orders\n    kind: one_to_many\n    on: { id: customer_id }\n`,
    });
    expect(twice.message).toMatch(
      /^semantic\/a\.yaml:32: relationship customer_orders, name: ambiguous join: orders reaches customers two ways/,
    );
  });

  it('metrics: the fields of each kind, references and cycles', async () => {
    const m = (body: string) =>
      configError({ 'semantic/a.yaml': BASE, 'semantic/b.yaml': `${METRICS}${body}` });
    expect((await m('  - { name: x, kind: ratio, numerator: sales }\n')).message).toBe(
      'semantic/b.yaml:8: metric x, denominator: a ratio metric needs denominator',
    );
    expect(
      (await m('  - { name: x, kind: ratio, numerator: sales, denominator: orders_n, measure: amount }\n'))
        .message,
    ).toBe('semantic/b.yaml:8: metric x, measure: a ratio metric does not take measure');
    expect((await m('  - { name: x, kind: simple, measure: orders.total }\n')).message).toBe(
      'semantic/b.yaml:8: metric x, measure: entity orders has no measure total',
    );
    expect((await m('  - { name: x, kind: ratio, numerator: sales, denominator: profit }\n')).message).toBe(
      'semantic/b.yaml:8: metric x, denominator: no metric profit',
    );
    expect((await m('  - { name: x, kind: derived, expr: sales - costs }\n')).message).toBe(
      'semantic/b.yaml:8: metric x, expr: no metric costs',
    );
    expect((await m('  - { name: x, kind: derived, expr: sales - }\n')).message).toMatch(
      /metric x, expr: invalid expression: the expression ends too early/,
    );
    const cycle = await m(`  - { name: margin, kind: derived, expr: sales - cost }
  - { name: cost, kind: ratio, numerator: margin, denominator: orders_n }
`);
    expect(cycle.message).toBe(
      'semantic/b.yaml:8: metric margin, expr: metrics refer to each other in a cycle: margin → cost → margin',
    );
    expect(cycle.context).toMatchObject({ model: 'metric margin', field: 'expr', line: 8 });
    expect((await m('  - { name: x, kind: ratio, numerator: x, denominator: sales }\n')).message).toBe(
      'semantic/b.yaml:8: metric x, numerator: metrics refer to each other in a cycle: x → x',
    );
    expect(
      (await m('  - { name: x, kind: cumulative, measure: amount, time_dimension: region }\n')).message,
    ).toMatch(/metric x, time_dimension: customers\.region is not a time dimension/);
    expect(
      (await m('  - { name: x, kind: cumulative, measure: customer_count, time_dimension: order_date }\n'))
        .message,
    ).toMatch(
      /metric x, time_dimension: orders\.order_date cannot be reached from customers through many-to-one relationships/,
    );
    expect(
      (
        await m(
          '  - { name: x, kind: simple, measure: customer_count, filter: "order_date in last month" }\n',
        )
      ).message,
    ).toMatch(/^semantic\/b\.yaml:8: metric x, filter: orders\.order_date cannot be reached from customers/);
    expect(
      (await m('  - { name: x, kind: simple, measure: amount, filter: "last month" }\n')).message,
    ).toMatch(/metric x, filter: at position 1: say which time dimension "last month" applies to/);
  });

  it('synonyms must point at things that exist', async () => {
    const s = (body: string) =>
      configError({ 'semantic/a.yaml': BASE, 'semantic/b.yaml': `${METRICS}synonyms:\n${body}` });
    expect((await s('  - { phrase: revenue, metric: turnover }\n')).message).toBe(
      'semantic/b.yaml:9: synonym "revenue", metric: no metric turnover',
    );
    expect((await s('  - { phrase: area, dimension: customers.zone }\n')).message).toBe(
      'semantic/b.yaml:9: synonym "area", dimension: entity customers has no dimension zone',
    );
    expect((await s('  - { phrase: midwest, filter: "state IN (\'IL\')" }\n')).message).toBe(
      'semantic/b.yaml:9: synonym "midwest", filter: at position 1: no dimension named state',
    );
    expect((await s('  - { phrase: top selling, order_by: { metric: units } }\n')).message).toBe(
      'semantic/b.yaml:9: synonym "top selling", order_by.metric: no metric units',
    );
    expect((await s('  - { phrase: sales, metric: orders_n }\n')).message).toBe(
      'semantic/b.yaml:9: synonym "sales", phrase: "sales" is already the name of a metric',
    );
    expect((await s('  - { phrase: big, metric: sales, dimension: region }\n')).message).toMatch(
      /synonym "big": a synonym stands for exactly one of/,
    );
    expect(
      (await s('  - { phrases: [a b, c], metric: sales }\n  - { phrase: c, metric: orders_n }\n')).message,
    ).toMatch(/^semantic\/b\.yaml:10: synonym "c", phrase: "c" is already a synonym at semantic\/b\.yaml:9/);
    expect(
      (
        await s(
          '  - { phrase: west, filter: "region = \'west\'" }\n  - { phrase: far west, filter: "west" }\n',
        )
      ).message,
    ).toMatch(/synonym "far west", filter: at position 1: synonym "west" cannot be used here/);
    expect((await s('  - { phrase: "big-spender", metric: sales }\n')).message).toMatch(
      /must be words of letters/,
    );
  });
});
