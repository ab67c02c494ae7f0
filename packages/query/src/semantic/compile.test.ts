/**
 * The compiler and the filter grammar on a small model (no database: the SQL text is checked; the
 * integration tests in tests/semantic run it).
 */
import { ConfigError, UsageError } from '@lakekit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeModel, listMetrics, parseMetricRequest } from './api.js';
import { compileMetricRequest } from './compile.js';
import { FilterError, filterSql, parseFilter } from './filter.js';
import { type ColumnsOf, parseSemanticModels } from './load.js';
import { ModelIndex } from './model-index.js';
import type { MetricRequest, SemanticModel } from './types.js';

const TABLES: Record<string, string[]> = {
  'shop.customers': ['id', 'region', 'state', 'signed_up'],
  'shop.orders': ['id', 'customer_id', 'ordered_at', 'status'],
  'shop.order_lines': ['order_id', 'line_no', 'qty', 'unit_price'],
};
const columnsOf: ColumnsOf = async (table) =>
  TABLES[table]?.map((name) => ({ name, type: /_at$|signed_up/.test(name) ? 'date' : 'string' }));

const ENTITIES = `
entities:
  - name: customers
    table: shop.customers
    primary_key: [id]
    dimensions:
      - name: region
      - name: state
      - name: signup_date
        expr: signed_up
        time_grains: [month, year]
    measures:
      - { name: customer_count, agg: count }
  - name: orders
    table: shop.orders
    primary_key: [id]
    dimensions:
      - { name: order_date, expr: ordered_at, time_grains: [day, week, month, quarter, year] }
      - { name: status }
    measures:
      - { name: order_count, agg: count }
  - name: order_lines
    table: shop.order_lines
    primary_key: [order_id, line_no]
    measures:
      - { name: units, agg: sum, expr: qty }
      - { name: revenue, agg: sum, expr: qty * unit_price }
relationships:
  - { name: order_customer, from: orders, to: customers, kind: many_to_one, on: { customer_id: id } }
  - { name: lines, from: orders, to: order_lines, kind: one_to_many, on: { id: order_id } }
`;
const METRICS = `
metrics:
  - { name: revenue, kind: simple, measure: order_lines.revenue }
  - { name: units_sold, kind: simple, measure: units }
  - { name: order_count, kind: simple, measure: orders.order_count }
  - { name: customer_count, kind: simple, measure: customer_count }
  - { name: aov, kind: ratio, numerator: revenue, denominator: order_count }
  - { name: running_revenue, kind: cumulative, measure: order_lines.revenue, time_dimension: order_date }
synonyms:
  - { phrase: midwest, filter: "state IN ('IL', 'OH')" }
  - { phrase: west coast, filter: "state IN ('CA', 'OR', 'WA')" }
  - { phrases: [sales, turnover], metric: revenue }
  - { phrase: top selling, order_by: { metric: units_sold } }
  - { phrase: sales region, dimension: customers.region }
  - { phrase: recent, filter: "order_date in last 30 days" }
`;

async function load(entities = ENTITIES, metrics = METRICS): Promise<SemanticModel> {
  return parseSemanticModels(
    [
      { file: 'semantic/a.yaml', text: entities },
      { file: 'semantic/b.yaml', text: metrics },
    ],
    { columnsOf },
  );
}

let model: SemanticModel;
beforeAll(async () => {
  model = await load();
});

const AS_OF = '2026-11-29';
const compile = (r: Omit<MetricRequest, 'asOf'> & { asOf?: string }) =>
  compileMetricRequest(model, { asOf: AS_OF, ...r });

/** The SQL a filter becomes (dimensions printed as their references). */
function where(text: string, notes?: string[]): string {
  const index = new ModelIndex(model);
  const node = parseFilter(text, {
    index,
    synonyms: true,
    defaultTimeDimension: () => ({ entity: 'orders', dimension: 'order_date' }),
  });
  return filterSql(node, {
    dimensionSql: (r) => `${r.entity}.${r.dimension}${r.grain ? `.${r.grain}` : ''}`,
    asOf: AS_OF,
    ...(notes ? { notes } : {}),
  });
}

describe('the filter grammar', () => {
  it('reads comparisons, lists, ranges, patterns and NULL tests', () => {
    expect(where("region = 'west'")).toBe("customers.region = 'west'");
    expect(where("customers.region != 'west'")).toBe("customers.region <> 'west'");
    expect(where("order_date.month >= date '2026-01-01'")).toBe(
      "orders.order_date.month >= DATE '2026-01-01'",
    );
    expect(where("status IN ('a', 'b')")).toBe("orders.status IN ('a', 'b')");
    expect(where("status not in ('a')")).toBe("orders.status NOT IN ('a')");
    expect(where("order_date between '2026-01-01' and '2026-03-31'")).toBe(
      "orders.order_date BETWEEN '2026-01-01' AND '2026-03-31'",
    );
    expect(where("state like 'I%'")).toBe("customers.state LIKE 'I%'");
    expect(where("state NOT ILIKE 'i%'")).toBe("customers.state NOT ILIKE 'i%'");
    expect(where('region is null')).toBe('customers.region IS NULL');
    expect(where('region IS NOT NULL')).toBe('customers.region IS NOT NULL');
    expect(where('status = -1.5')).toBe('orders.status = -1.5');
    expect(where('status = TRUE')).toBe('orders.status = TRUE');
    expect(where('status = "double quoted"')).toBe("orders.status = 'double quoted'");
  });

  it('gives AND precedence over OR and honours NOT and parentheses', () => {
    expect(where("region = 'a' or region = 'b' and status = 'c'")).toBe(
      "(customers.region = 'a' OR (customers.region = 'b' AND orders.status = 'c'))",
    );
    expect(where("(region = 'a' or region = 'b') and not status = 'c'")).toBe(
      "((customers.region = 'a' OR customers.region = 'b') AND (NOT orders.status = 'c'))",
    );
  });

  it('quotes every literal: user text never reaches the SQL unparsed', () => {
    expect(where("region = 'x'' OR 1=1 --'")).toBe("customers.region = 'x'' OR 1=1 --'");
    expect(where(`region = "it's"`)).toBe("customers.region = 'it''s'");
    expect(() => where("region = 'x'; DROP TABLE t")).toThrow(FilterError);
    expect(() => where("region = 'x' -- comment")).toThrow(/at position 14: unexpected "-"/);
    expect(() => where('region = upper(state)')).toThrow('at position 10: no dimension named upper');
    expect(() => where("region = 'a' union select 1")).toThrow(/unexpected "union"/);
    expect(() => where("date '2026-02-30' = order_date")).toThrow(/is not a date/);
  });

  it('names the problem and its position', () => {
    expect(() => where("regio = 'west'")).toThrow('at position 1: no dimension named regio');
    expect(() => where("region = 'west' and")).toThrow(
      /at position 20: expected a dimension or a value at the end/,
    );
    expect(() => where("region 'west'")).toThrow(/at position 8: expected a comparison/);
    expect(() => where("region in ('a'")).toThrow(/expected "\)" at the end/);
    expect(() => where("customers.status = 'x'")).toThrow(/entity customers has no dimension status/);
    expect(() => where("region.month = 'x'")).toThrow(/customers.region is not a time dimension/);
    expect(() => where('signup_date.week = 1')).toThrow(/has no grain week/);
    expect(() => where('region in last quarter')).toThrow(/customers.region is not a time dimension/);
    expect(() => where('')).toThrow(/empty/);
  });

  it('reads relative periods after IN, and alone for the default time dimension', () => {
    const cases: [string, string, string][] = [
      ['order_date in last quarter', '2026-07-01', '2026-10-01'],
      ['order_date in previous month', '2026-10-01', '2026-11-01'],
      ['order_date in prior year', '2025-01-01', '2026-01-01'],
      ['order_date in this year', '2026-01-01', '2027-01-01'],
      ['order_date in current week', '2026-11-23', '2026-11-30'],
      ['order_date in last 30 days', '2026-10-31', '2026-11-30'],
      ['order_date in past 2 weeks', '2026-11-16', '2026-11-30'],
      ['order_date in year to date', '2026-01-01', '2026-11-30'],
      ['order_date in ytd', '2026-01-01', '2026-11-30'],
      ['order_date in month to date', '2026-11-01', '2026-11-30'],
      ['order_date in Q3', '2026-07-01', '2026-10-01'],
      ['order_date in q1 2025', '2025-01-01', '2025-04-01'],
      ['order_date in 2025', '2025-01-01', '2026-01-01'],
      ['order_date in today', '2026-11-29', '2026-11-30'],
      ['order_date in yesterday', '2026-11-28', '2026-11-29'],
      ['last quarter', '2026-07-01', '2026-10-01'],
      ['Q3 2026', '2026-07-01', '2026-10-01'],
    ];
    for (const [text, from, until] of cases)
      expect(where(text), text).toBe(
        `(orders.order_date >= DATE '${from}' AND orders.order_date < DATE '${until}')`,
      );
    expect(where('order_date not in last month')).toBe(
      "(NOT (orders.order_date >= DATE '2026-10-01' AND orders.order_date < DATE '2026-11-01'))",
    );
    const notes: string[] = [];
    where("last quarter and region = 'west'", notes);
    expect(notes).toEqual([
      'last quarter → orders.order_date from 2026-07-01 to 2026-09-30 (as of 2026-11-29)',
    ]);
    expect(() => where('order_date in last fortnight')).toThrow(/expected a period after last/);
    expect(() => where('order_date in last 0 days')).toThrow(/whole number/);
    expect(() => where('order_date in next year')).toThrow(/expected "\(" or a period/);
  });

  it('expands filter synonyms (longest phrase first) and dimension synonyms', () => {
    const notes: string[] = [];
    expect(where('midwest', notes)).toBe("customers.state IN ('IL', 'OH')");
    expect(notes).toEqual(["midwest → customers.state IN ('IL', 'OH')"]);
    expect(where("west coast or midwest and not status = 'x'")).toBe(
      "(customers.state IN ('CA', 'OR', 'WA') OR (customers.state IN ('IL', 'OH') AND (NOT orders.status = 'x')))",
    );
    expect(where("sales region = 'west'")).toBe("customers.region = 'west'");
    expect(where('recent')).toBe(
      "(orders.order_date >= DATE '2026-10-31' AND orders.order_date < DATE '2026-11-30')",
    );
  });
});

describe('compiling metric requests', () => {
  it('gives byte-identical SQL for the same request, also after reloading the models', async () => {
    const request: MetricRequest = {
      metrics: ['revenue', 'order_count', 'aov'],
      by: ['sales region', 'order_date'],
      where: "midwest and order_date in last quarter and status <> 'cancelled'",
      grain: 'quarter',
      asOf: AS_OF,
      orderBy: [{ field: 'revenue', direction: 'desc' }],
      limit: 10,
    };
    const first = compileMetricRequest(model, request);
    expect(compileMetricRequest(model, request)).toEqual(first);
    const reloaded = await load();
    expect(compileMetricRequest(reloaded, structuredClone(request)).sql).toBe(first.sql);
    expect(compileMetricRequest(reloaded, structuredClone(request)).resolved).toEqual(first.resolved);
    // A different as-of date resolves the period differently: the SQL changes with it.
    expect(compileMetricRequest(model, { ...request, asOf: '2027-01-15' }).sql).not.toBe(first.sql);
  });

  it('records how the request was resolved', () => {
    const c = compile({
      metrics: ['turnover', 'top selling'],
      by: ['sales region'],
      where: 'midwest and last quarter'.replace('last quarter', 'order_date in last quarter'),
    });
    expect(c.resolved).toEqual({
      metrics: ['revenue', 'units_sold'],
      by: ['customers.region'],
      where: `("customers"."state" IN ('IL', 'OH') AND ("orders"."ordered_at" >= DATE '2026-07-01' AND "orders"."ordered_at" < DATE '2026-10-01'))`,
      grain: 'month',
      asOf: AS_OF,
      orderBy: [{ field: 'units_sold', direction: 'desc' }],
      notes: [
        '"turnover" → metric revenue',
        '"top selling" → metric units_sold, ordered descending',
        '"sales region" → customers.region',
        `midwest → "customers"."state" IN ('IL', 'OH')`,
        'last quarter → orders.order_date from 2026-07-01 to 2026-09-30 (as of 2026-11-29)',
      ],
    });
    expect(c.sql).toContain('ORDER BY "units_sold" DESC NULLS LAST, "customers.region" ASC NULLS LAST');
  });

  it('orders by the requested ordering, then every dimension (a total order)', () => {
    const c = compile({
      metrics: ['revenue'],
      by: ['status', 'region'],
      orderBy: [{ field: 'region', direction: 'desc' }],
    });
    expect(c.sql).toMatch(/ORDER BY "customers.region" DESC NULLS LAST, "orders.status" ASC NULLS LAST$/);
    const top = compile({
      metrics: ['revenue'],
      by: ['region'],
      orderBy: [{ field: 'top selling' }],
      limit: 5,
    });
    expect(top.resolved.metrics).toEqual(['revenue', 'units_sold']);
    expect(top.sql).toMatch(
      /ORDER BY "units_sold" DESC NULLS LAST, "customers.region" ASC NULLS LAST\nLIMIT 5$/,
    );
    // Without dimensions the answer is one row and needs no ordering.
    expect(compile({ metrics: ['revenue'] }).sql).not.toContain('ORDER BY');
  });

  it('aggregates each entity in its own CTE and joins them on the dimension values', () => {
    const c = compile({ metrics: ['revenue', 'order_count', 'customer_count'], by: ['region'] });
    expect(c.sql).toContain('agg_order_lines AS (');
    expect(c.sql).toContain('agg_orders AS (');
    expect(c.sql).toContain('agg_customers AS (');
    expect(c.sql).toContain(
      'LEFT JOIN "shop"."orders" AS "orders" ON "order_lines"."order_id" = "orders"."id"\n  LEFT JOIN "shop"."customers" AS "customers" ON "orders"."customer_id" = "customers"."id"',
    );
    expect(c.sql).toContain('spine AS (');
    expect(c.sql).toContain('spine.d1 IS NOT DISTINCT FROM agg_orders.d1');
    expect(c.sql).toContain('coalesce(agg_orders.m2, 0) AS m2');
    // The customers CTE reads customers alone: it joins nothing.
    const customersCte = c.sql.slice(c.sql.indexOf('agg_customers AS ('), c.sql.indexOf('spine AS ('));
    expect(customersCte).not.toContain('JOIN');
    const noDims = compile({ metrics: ['revenue', 'order_count'] });
    expect(noDims.sql).toContain('FROM agg_order_lines CROSS JOIN agg_orders');
  });

  it('adds the time dimension of a cumulative metric and truncates time dimensions to the grain', () => {
    const c = compile({ metrics: ['running_revenue'], by: ['region'], grain: 'week' });
    expect(c.resolved.by).toEqual(['customers.region', 'orders.order_date.week']);
    expect(c.resolved.notes).toContain(
      'running_revenue accumulates along orders.order_date: added orders.order_date.week to by',
    );
    expect(c.sql).toContain(`CAST(date_trunc('week', "orders"."ordered_at") AS DATE) AS d2`);
    expect(c.sql).toContain(
      'sum(m1) OVER (PARTITION BY d1 ORDER BY d2 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)',
    );
  });

  it('refuses what it cannot answer, saying why', () => {
    const refuse = (r: Parameters<typeof compile>[0], message: RegExp) => {
      let error: unknown;
      try {
        compile(r);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(message);
    };
    refuse(
      { metrics: ['customer_count'], by: ['order_date'] },
      /metric customer_count cannot be broken down by orders\.order_date: orders\.order_date cannot be reached from customers/,
    );
    refuse(
      { metrics: ['customer_count'], where: "status = 'x'" },
      /metric customer_count cannot be filtered by orders\.status/,
    );
    refuse(
      { metrics: ['profit'] },
      /unknown metric "profit" \(metrics: aov, customer_count, order_count, revenue, running_revenue, units_sold\)/,
    );
    refuse({ metrics: [] }, /name at least one metric/);
    refuse({ metrics: ['revenue'], by: ['colour'] }, /by "colour": no dimension named colour/);
    refuse({ metrics: ['revenue'], by: ['region', 'customers.region'] }, /customers\.region is listed twice/);
    refuse(
      { metrics: ['revenue'], by: ['signup_date'], grain: 'day' },
      /customers\.signup_date has no grain day \(it has month, year\)/,
    );
    refuse(
      { metrics: ['revenue'], by: ['region'], orderBy: [{ field: 'status' }] },
      /orderBy "status": orders\.status is neither a requested metric nor in by/,
    );
    refuse(
      { metrics: ['revenue'], where: 'last quarter' },
      /where: at position 1: a period alone applies to the time dimension in by, and there is none/,
    );
    refuse(
      { metrics: ['revenue'], by: ['order_date', 'signup_date.year'], where: 'last quarter' },
      /several time dimensions/,
    );
    refuse(
      { metrics: ['revenue'], where: "midwest = 'x'" },
      /where: at position 1: "midwest" stands for a filter/,
    );
    refuse({ metrics: ['revenue'], asOf: '2026-02-30' }, /as-of date/);
    refuse({ metrics: ['revenue'], limit: -1 }, /limit must be a whole number/);
  });
});

describe('validation', () => {
  it('needs the synonyms of a metric filter to exist when loading', async () => {
    const bad = METRICS.replace(
      '- { name: aov,',
      "- { name: west_revenue, kind: simple, measure: revenue, filter: 'pacific' }\n  - { name: aov,",
    );
    await expect(load(ENTITIES, bad)).rejects.toThrow(ConfigError);
    await expect(load(ENTITIES, bad)).rejects.toThrow(
      /semantic\/b\.yaml:7: metric west_revenue, filter: at position 1: no dimension named pacific/,
    );
  });
});

describe('listing and describing', () => {
  it('lists metrics by name with the dimensions every measure below them can reach', () => {
    const list = listMetrics(model);
    expect(list.map((m) => m.name)).toEqual([
      'aov',
      'customer_count',
      'order_count',
      'revenue',
      'running_revenue',
      'units_sold',
    ]);
    const info = Object.fromEntries(list.map((m) => [m.name, m]));
    expect(info['customer_count']).toEqual({
      name: 'customer_count',
      kind: 'simple',
      dimensions: ['customers.region', 'customers.signup_date', 'customers.state'],
      timeDimensions: ['customers.signup_date'],
    });
    // A ratio of order lines over orders: what both can reach.
    expect(info['aov']!.dimensions).toEqual([
      'customers.region',
      'customers.signup_date',
      'customers.state',
      'orders.order_date',
      'orders.status',
    ]);
    expect(info['aov']!.timeDimensions).toEqual(['customers.signup_date', 'orders.order_date']);
  });

  it('describes the model in plain words', () => {
    const text = describeModel(model);
    expect(text).toContain('## Entity orders');
    expect(text).toContain('- `orders.order_date` (time: day, week, month, quarter, year)');
    expect(text).toContain('- `order_lines.revenue`: sum of qty * unit_price');
    expect(text).toContain('- lines: orders one-to-many order_lines (orders.id = order_lines.order_id)');
    expect(text).toContain('- `aov` (ratio): revenue / order_count');
    expect(text).toContain('- "top selling" → ordered by units_sold desc');
  });

  it('checks metric requests given as JSON', () => {
    expect(parseMetricRequest({ metrics: ['revenue'], by: ['region'], asOf: '2026-11-29' })).toEqual({
      metrics: ['revenue'],
      by: ['region'],
      asOf: '2026-11-29',
    });
    expect(() => parseMetricRequest({ metrics: [] })).toThrow(UsageError);
    expect(() => parseMetricRequest({ metrics: ['x'], group: ['y'] })).toThrow(
      'invalid metric request: unknown key group',
    );
    expect(() => parseMetricRequest({ metrics: ['x'], grain: 'hour' })).toThrow(
      /invalid metric request: grain:/,
    );
    expect(() => parseMetricRequest({ metrics: ['x'], limit: 1.5 })).toThrow(/limit/);
  });
});
