/**
 * Metric queries run through the governed query layer as the caller: row filters and masks apply,
 * missing grants refuse the answer, and every answer has a stored receipt recording the request and
 * the as-of date its relative periods were resolved against.
 */
import { LOCAL_ADMIN } from '@lakekit/catalog';
import { ConfigError, ForbiddenError } from '@lakekit/core';
import {
  catalogColumns,
  listMetrics,
  type MetricRequest,
  parseSemanticModels,
  queryMetrics,
  type Receipt,
} from '@lakekit/query';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows, type SemanticWorld, startSemanticWorld } from './fixture.js';

let w: SemanticWorld;
beforeAll(async () => {
  w = await startSemanticWorld();
});
afterAll(async () => {
  await w?.close();
});

const ask = (who: string, request: MetricRequest) => queryMetrics(w.engine, w.as(who), w.model, request);

describe('metric queries through the governed engine', () => {
  it("applies the caller's row filter: a west-only analyst gets west totals only", async () => {
    const customers = await ask('wendy', { metrics: ['customer_count'], by: ['region'] });
    const [[westCustomers]] = (await rawRows(
      w.raw,
      "SELECT count(*) FROM shop_customers WHERE region = 'west'",
    )) as [[number]];
    expect(customers.rows).toEqual([['west', westCustomers]]);
    const admin = await ask('local-admin', { metrics: ['customer_count'], by: ['region'] });
    expect(admin.rows.length).toBe(5);

    // Orders are not filtered, but the customers they join to are: every order of a customer
    // wendy may not see falls under an unknown (NULL) region, never under another region.
    const revenue = await ask('wendy', { metrics: ['revenue'], by: ['region'] });
    expect(revenue.rows.map((r) => r[0])).toEqual(['west', null]);
    const [[westRevenue]] = (await rawRows(
      w.raw,
      `SELECT sum(l.qty * l.unit_price) FROM shop_order_lines l JOIN shop_orders o ON l.order_id = o.id
       JOIN shop_customers c ON o.customer_id = c.id WHERE c.region = 'west'`,
    )) as [[string]];
    expect(revenue.rows[0]![1]).toBe(westRevenue);
    expect(revenue.receipt.tables.find((t) => t.table === 'shop.customers')?.policies.rowFilter).toContain(
      "region = 'west'",
    );
  });

  it("applies the caller's masks: a masked amount sums to NULL", async () => {
    const admin = await ask('local-admin', { metrics: ['payments_total'], by: ['payments.method'] });
    const wendy = await ask('wendy', { metrics: ['payments_total'], by: ['payments.method'] });
    expect(admin.rows.map((r) => r[0])).toEqual(['card', 'cash']);
    expect(admin.rows.every((r) => typeof r[1] === 'string' && Number(r[1]) > 0)).toBe(true);
    expect(wendy.rows).toEqual([
      ['card', null],
      ['cash', null],
    ]);
    expect(wendy.receipt.tables.find((t) => t.table === 'shop.payments')?.policies.maskedColumns).toEqual([
      expect.objectContaining({ column: 'amount', kind: 'null' }),
    ]);
  });

  it('refuses a metric over a table the caller may not read', async () => {
    await expect(ask('pat', { metrics: ['payments_total'] })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(ask('pat', { metrics: ['outstanding'], by: ['region'] })).rejects.toThrow(/shop\.payments/);
    const ok = await ask('pat', { metrics: ['revenue'] });
    expect(ok.rows).toHaveLength(1);
  });

  it('every answer has a stored receipt recording the request and the as-of date', async () => {
    const request: MetricRequest = {
      metrics: ['sales'],
      by: ['order_date'],
      where: 'last quarter',
      grain: 'month',
      asOf: '2026-11-29',
    };
    const a = await ask('wendy', request);
    expect(a.rows.map((r) => r[0])).toEqual(['2026-07-01', '2026-08-01', '2026-09-01']);
    const context = a.receipt.context as {
      semantic: { request: MetricRequest; resolved: typeof a.resolved };
    };
    expect(context.semantic.resolved.asOf).toBe('2026-11-29');
    expect(context.semantic.request).toEqual(request);
    expect(context.semantic.resolved).toEqual(a.resolved);
    expect(a.resolved.notes).toEqual([
      '"sales" → metric revenue',
      'last quarter → orders.order_date from 2026-07-01 to 2026-09-30 (as of 2026-11-29)',
    ]);
    expect(a.receipt.principal).toBe('wendy');
    expect(a.receipt.sql).toBe(a.sql);
    const stored = (await w.catalog.answers.getReceipt(a.receipt.id)) as Receipt;
    expect((stored.context as typeof context).semantic.resolved.asOf).toBe('2026-11-29');

    // Asked again: the same SQL and the same result hash.
    const again = await ask('wendy', request);
    expect(again.sql).toBe(a.sql);
    expect(again.receipt.result.hash).toBe(a.receipt.result.hash);
    // Verifying the receipt reruns it at its snapshots and gets the same hash.
    expect((await w.engine.verifyReceipt(a.receipt)).ok).toBe(true);
  });

  it('without an as-of date, relative periods resolve against today (UTC) and the receipt says so', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const a = await queryMetrics(w.engine, LOCAL_ADMIN, w.model, {
      metrics: ['order_count'],
      where: 'order_date in this year',
    });
    expect(a.resolved.asOf).toBe(today);
    expect((a.receipt.context as { semantic: { resolved: { asOf: string } } }).semantic.resolved.asOf).toBe(
      today,
    );
    expect(a.resolved.notes[0]).toBe(
      `this year → orders.order_date from ${today.slice(0, 4)}-01-01 to ${today.slice(0, 4)}-12-31 (as of ${today})`,
    );
  });

  it('passes the query options through (row limit) and the request limit into the SQL', async () => {
    const a = await queryMetrics(w.engine, LOCAL_ADMIN, w.model, {
      metrics: ['top selling'],
      by: ['item'],
      limit: 3,
    });
    expect(a.sql).toMatch(/LIMIT 3$/);
    expect(a.rows).toHaveLength(3);
    const units = a.rows.map((r) => Number(r[1]));
    expect([...units].sort((x, y) => y - x)).toEqual(units);
    const [top] = await rawRows(
      w.raw,
      `SELECT p.name, sum(l.qty) FROM shop_order_lines l JOIN shop_products p ON l.product_id = p.id
       GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`,
    );
    expect(a.rows[0]).toEqual(top);
    const cut = await queryMetrics(
      w.engine,
      LOCAL_ADMIN,
      w.model,
      { metrics: ['revenue'], by: ['item'] },
      { limit: 2 },
    );
    expect(cut.rows).toHaveLength(2);
    expect(cut.truncated).toBe(true);
  });
});

describe('loading models against the catalog', () => {
  const entity = (table: string, column: string) => `entities:
  - name: things
    table: ${table}
    primary_key: [id]
    dimensions:
      - name: label
        expr: ${column}
`;
  const loadText = (text: string) =>
    parseSemanticModels([{ file: 'semantic/things.yaml', text }], { columnsOf: catalogColumns(w.catalog) });

  it('checks columns against the current schema of each table', async () => {
    const ok = await loadText(entity('shop.products', 'category'));
    expect(ok.entities[0]!.dimensions[0]!.expr).toBe('category');
    await expect(loadText(entity('shop.products', 'colour'))).rejects.toThrow(
      'semantic/things.yaml:7: entity things, dimensions.label.expr: column colour does not exist in shop.products (columns: id, name, category)',
    );
    await expect(loadText(entity('shop.gadgets', 'x'))).rejects.toThrow(
      'semantic/things.yaml:3: entity things, table: table shop.gadgets does not exist',
    );
    await expect(loadText(entity('nowhere.gadgets', 'x'))).rejects.toBeInstanceOf(ConfigError);
  });

  it('the loaded shop model lists its metrics', () => {
    const names = listMetrics(w.model).map((m) => m.name);
    expect(names).toEqual([...names].sort());
    expect(names).toContain('cumulative_revenue');
  });
});
