/**
 * Fan-out safety: metrics over a model with one-to-many joins (customers 1—n orders 1—n order lines,
 * orders 1—n payments) give the same totals as hand-written SQL over the raw rows, where each
 * measure is computed on its own table and the results are combined by their dimension values in
 * JavaScript. A naive join of the same tables is shown to give different (double-counted) numbers,
 * so the comparison can tell the two apart.
 */
import { LOCAL_ADMIN } from '@lakekit/catalog';
import { UsageError } from '@lakekit/core';
import { type MetricAnswer, type MetricRequest, queryMetrics } from '@lakekit/query';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows, type SemanticWorld, startSemanticWorld } from './fixture.js';

let w: SemanticWorld;
beforeAll(async () => {
  w = await startSemanticWorld();
});
afterAll(async () => {
  await w?.close();
});

const ASK = (request: MetricRequest) => queryMetrics(w.engine, LOCAL_ADMIN, w.model, request);

/** Answer rows keyed by the JSON of their dimension values: { metric: value }. */
function byKey(answer: MetricAnswer): Record<string, Record<string, unknown>> {
  const dims = answer.resolved.by.length;
  const out: Record<string, Record<string, unknown>> = {};
  for (const row of answer.rows) {
    const key = JSON.stringify(row.slice(0, dims));
    expect(out[key], `dimension tuple ${key} appears twice`).toBeUndefined();
    out[key] = Object.fromEntries(answer.columns.slice(dims).map((c, i) => [c.name, row[dims + i]]));
  }
  return out;
}

/**
 * The expected answer: each metric from its own hand-written query (`SELECT <dims…>, <value>`),
 * combined on the dimension values; a dimension tuple one query lacks gets `missing` (0 for counts,
 * NULL for sums).
 */
async function expected(
  parts: { metric: string; sql: string; missing?: unknown }[],
): Promise<Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const p of parts) {
    for (const row of await rawRows(w.raw, p.sql)) {
      const key = JSON.stringify(row.slice(0, -1));
      out[key] ??= {};
      out[key]![p.metric] = row.at(-1);
    }
  }
  for (const v of Object.values(out))
    for (const p of parts) if (!(p.metric in v)) v[p.metric] = p.missing ?? null;
  return out;
}

/** Cents of a DECIMAL(…, 2) printed by DuckDB, and back. */
const cents = (s: unknown) => (s === null ? null : BigInt(String(s).replace('.', '')));
const decimal = (c: bigint) => {
  const neg = c < 0n;
  const a = neg ? -c : c;
  return `${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
};

const LINES_TO_CUSTOMERS = `shop_order_lines l LEFT JOIN shop_orders o ON l.order_id = o.id LEFT JOIN shop_customers c ON o.customer_id = c.id`;

describe('fan-out safety', () => {
  it('revenue by a dimension of the "one" side equals the hand-written total', async () => {
    const a = await ASK({ metrics: ['revenue'], by: ['customers.region'] });
    expect(a.columns.map((c) => c.name)).toEqual(['customers.region', 'revenue']);
    expect(byKey(a)).toEqual(
      await expected([
        {
          metric: 'revenue',
          sql: `SELECT c.region, sum(l.qty * l.unit_price) FROM ${LINES_TO_CUSTOMERS} GROUP BY 1`,
        },
      ]),
    );
    // Every line counted once: the grand total is the table's.
    const [[total]] = (await rawRows(w.raw, 'SELECT sum(qty * unit_price) FROM shop_order_lines')) as [
      [string],
    ];
    const sum = Object.values(byKey(a)).reduce((s, r) => s + cents(r['revenue'])!, 0n);
    expect(decimal(sum)).toBe(total);
  });

  it('measures of both sides of a one-to-many join in one request are not multiplied', async () => {
    const a = await ASK({
      metrics: ['order_count', 'revenue', 'units_sold', 'payments_total', 'customer_count'],
      by: ['region'],
    });
    const want = await expected([
      {
        metric: 'order_count',
        sql: 'SELECT c.region, count(*) FROM shop_orders o LEFT JOIN shop_customers c ON o.customer_id = c.id GROUP BY 1',
        missing: 0,
      },
      {
        metric: 'revenue',
        sql: `SELECT c.region, sum(l.qty * l.unit_price) FROM ${LINES_TO_CUSTOMERS} GROUP BY 1`,
      },
      { metric: 'units_sold', sql: `SELECT c.region, sum(l.qty) FROM ${LINES_TO_CUSTOMERS} GROUP BY 1` },
      {
        metric: 'payments_total',
        sql: `SELECT c.region, sum(p.amount) FROM shop_payments p LEFT JOIN shop_orders o ON p.order_id = o.id
              LEFT JOIN shop_customers c ON o.customer_id = c.id GROUP BY 1`,
      },
      { metric: 'customer_count', sql: 'SELECT region, count(*) FROM shop_customers GROUP BY 1', missing: 0 },
    ]);
    expect(byKey(a)).toEqual(want);
    // The naive join counts each order once per line and per payment: the test can tell.
    const naive = await rawRows(
      w.raw,
      `SELECT c.region, count(*), sum(p.amount) FROM shop_orders o LEFT JOIN shop_customers c ON o.customer_id = c.id
       LEFT JOIN shop_order_lines l ON l.order_id = o.id LEFT JOIN shop_payments p ON p.order_id = o.id
       WHERE c.region = 'west' GROUP BY 1`,
    );
    const west = byKey(a)[JSON.stringify(['west'])]!;
    expect(naive[0]![1]).not.toBe(west['order_count']);
    expect(naive[0]![2]).not.toBe(west['payments_total']);
  });

  it('ratio and derived metrics are computed from the separately aggregated measures', async () => {
    const a = await ASK({
      metrics: ['avg_order_value', 'outstanding', 'completed_share'],
      by: ['orders.channel'],
    });
    const rev = await expected([
      {
        metric: 'revenue',
        sql: `SELECT o.channel, sum(l.qty * l.unit_price) FROM ${LINES_TO_CUSTOMERS} GROUP BY 1`,
      },
      {
        metric: 'completed',
        sql: `SELECT o.channel, sum(l.qty * l.unit_price) FILTER (WHERE o.status = 'completed') FROM ${LINES_TO_CUSTOMERS} GROUP BY 1`,
      },
      { metric: 'orders', sql: 'SELECT channel, count(*) FROM shop_orders GROUP BY 1', missing: 0 },
      {
        metric: 'paid',
        sql: 'SELECT o.channel, sum(p.amount) FROM shop_payments p LEFT JOIN shop_orders o ON p.order_id = o.id GROUP BY 1',
      },
    ]);
    const got = byKey(a);
    expect(Object.keys(got).sort()).toEqual(Object.keys(rev).sort());
    for (const [key, e] of Object.entries(rev)) {
      const g = got[key]!;
      expect(g['avg_order_value']).toBe(Number(e['revenue']) / (e['orders'] as number));
      const [r, paid] = [cents(e['revenue']), cents(e['paid'])];
      expect(g['outstanding']).toBe(r === null || paid === null ? null : decimal(r - paid));
      expect(g['completed_share'] as number).toBeCloseTo(
        (Number(e['completed']) / Number(e['revenue'])) * 100,
        9,
      );
    }
  });

  it('cumulative revenue by month is the running total of the monthly revenue (all periods and a 3-month window)', async () => {
    // February and March are filtered out: the 3-month window is by calendar months, not by rows.
    const a = await ASK({
      metrics: ['revenue', 'cumulative_revenue', 'revenue_3_periods'],
      by: ['order_date'],
      grain: 'month',
      where: "order_date not between date '2026-02-01' and date '2026-03-31'",
    });
    expect(a.receipt.evaluation).toBe('sequential');
    const monthly = await rawRows(
      w.raw,
      `SELECT strftime(date_trunc('month', o.ordered_at), '%Y-%m-%d'), sum(l.qty * l.unit_price)
       FROM shop_order_lines l LEFT JOIN shop_orders o ON l.order_id = o.id
       WHERE o.ordered_at < DATE '2026-02-01' OR o.ordered_at > DATE '2026-03-31' GROUP BY 1 ORDER BY 1`,
    );
    expect(monthly.length).toBeGreaterThan(6);
    expect(a.rows.map((r) => [r[0], r[1]])).toEqual(monthly);
    const monthIndex = (d: unknown) => Number(String(d).slice(0, 4)) * 12 + Number(String(d).slice(5, 7));
    let running = 0n;
    let rowsWindowDiffers = false;
    for (const [i, [month, revenue]] of monthly.entries()) {
      running += cents(revenue)!;
      expect(a.rows[i]![2]).toBe(decimal(running));
      const calendar = monthly
        .filter(([m]) => monthIndex(m) <= monthIndex(month) && monthIndex(m) > monthIndex(month) - 3)
        .reduce((s, [, r]) => s + cents(r)!, 0n);
      expect(a.rows[i]![3]).toBe(decimal(calendar));
      const lastThreeRows = monthly.slice(Math.max(0, i - 2), i + 1).reduce((s, [, r]) => s + cents(r)!, 0n);
      if (lastThreeRows !== calendar) rowsWindowDiffers = true;
    }
    expect(rowsWindowDiffers).toBe(true);
  });

  it('cumulative metrics run separately for each value of the other dimensions', async () => {
    const a = await ASK({ metrics: ['cumulative_revenue'], by: ['orders.channel', 'order_date.quarter'] });
    expect(a.resolved.by).toEqual(['orders.channel', 'orders.order_date.quarter']);
    const quarterly = await rawRows(
      w.raw,
      `SELECT o.channel, strftime(date_trunc('quarter', o.ordered_at), '%Y-%m-%d'), sum(l.qty * l.unit_price)
       FROM shop_order_lines l LEFT JOIN shop_orders o ON l.order_id = o.id GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    const running = new Map<string, bigint>();
    const want = quarterly.map(([channel, q, r]) => {
      const t = (running.get(String(channel)) ?? 0n) + cents(r)!;
      running.set(String(channel), t);
      return [channel, q, decimal(t)];
    });
    expect(a.rows).toEqual(want);
  });

  it('count_distinct measures count each value once whatever the joins', async () => {
    const a = await ASK({
      metrics: ['buyers', 'products_sold'],
      by: ['customers.region', 'order_date.year'],
    });
    expect(byKey(a)).toEqual(
      await expected([
        {
          metric: 'buyers',
          sql: `SELECT c.region, strftime(date_trunc('year', o.ordered_at), '%Y-%m-%d'), count(DISTINCT o.customer_id)
                FROM shop_orders o LEFT JOIN shop_customers c ON o.customer_id = c.id GROUP BY 1, 2`,
          missing: 0,
        },
        {
          metric: 'products_sold',
          sql: `SELECT c.region, strftime(date_trunc('year', o.ordered_at), '%Y-%m-%d'), count(DISTINCT l.product_id)
                FROM ${LINES_TO_CUSTOMERS} GROUP BY 1, 2`,
          missing: 0,
        },
      ]),
    );
  });

  it('a filter with a synonym and a relative period selects the same rows as the hand-written dates', async () => {
    const a = await ASK({
      metrics: ['revenue', 'order_count'],
      by: ['area'],
      where: 'midwest and order_date in last quarter',
      asOf: '2026-11-29',
    });
    expect(a.resolved.notes).toContain(
      'last quarter → orders.order_date from 2026-07-01 to 2026-09-30 (as of 2026-11-29)',
    );
    const where = `c.state IN ('IL', 'OH', 'MN') AND o.ordered_at BETWEEN DATE '2026-07-01' AND DATE '2026-09-30'`;
    const want = await expected([
      {
        metric: 'revenue',
        sql: `SELECT c.region, sum(l.qty * l.unit_price) FROM ${LINES_TO_CUSTOMERS} WHERE ${where} GROUP BY 1`,
      },
      {
        metric: 'order_count',
        sql: `SELECT c.region, count(*) FROM shop_orders o LEFT JOIN shop_customers c ON o.customer_id = c.id WHERE ${where} GROUP BY 1`,
        missing: 0,
      },
    ]);
    expect(Object.keys(want)).toEqual([JSON.stringify(['midwest'])]);
    expect(byKey(a)).toEqual(want);
  });

  it('a measure filter and a metric filter on a joined entity apply before aggregating', async () => {
    const a = await ASK({
      metrics: ['completed_revenue', 'revenue'],
      by: ['products.category'],
      where: 'recent',
      asOf: '2026-11-29',
    });
    const recent = `o.ordered_at BETWEEN DATE '2026-10-31' AND DATE '2026-11-29'`;
    const from = `${LINES_TO_CUSTOMERS} LEFT JOIN shop_products p ON l.product_id = p.id WHERE ${recent}`;
    expect(byKey(a)).toEqual(
      await expected([
        {
          metric: 'completed_revenue',
          sql: `SELECT p.category, sum(l.qty * l.unit_price) FILTER (WHERE o.status = 'completed') FROM ${from} GROUP BY 1`,
        },
        { metric: 'revenue', sql: `SELECT p.category, sum(l.qty * l.unit_price) FROM ${from} GROUP BY 1` },
      ]),
    );
    const b = await ASK({ metrics: ['completed_orders'], by: ['region'] });
    expect(byKey(b)).toEqual(
      await expected([
        {
          metric: 'completed_orders',
          sql: `SELECT c.region, count(*) FILTER (WHERE o.status = 'completed') FROM shop_orders o
                LEFT JOIN shop_customers c ON o.customer_id = c.id GROUP BY 1`,
        },
      ]),
    );
  });

  it('refuses a dimension reachable only through a one-to-many join, naming the metric and the dimension', async () => {
    await expect(ASK({ metrics: ['customer_count'], by: ['orders.order_date'] })).rejects.toThrow(
      /metric customer_count cannot be broken down by orders\.order_date/,
    );
    await expect(ASK({ metrics: ['payments_total'], by: ['products.category'] })).rejects.toThrow(
      /metric payments_total cannot be broken down by products\.category/,
    );
    await expect(ASK({ metrics: ['order_count'], where: "products.category = 'toys'" })).rejects.toThrow(
      /metric order_count cannot be filtered by products\.category/,
    );
    await expect(ASK({ metrics: ['customer_count'], by: ['orders.order_date'] })).rejects.toBeInstanceOf(
      UsageError,
    );
  });
});
