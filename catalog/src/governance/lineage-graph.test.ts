import { describe, expect, it } from 'vitest';
import { lineageGraph, renderLineageDot, renderLineageMermaid, renderLineageText } from './lineage-graph.js';

const WAREHOUSE = 'file:///lake/warehouse';
const PG = 'postgres://db:5432/crm';

/** An event shaped like pipelines/src/lineage.ts writes them. */
function event(
  job: string,
  inputs: [string, string][],
  outputs: [string, string, string[]][],
  type = 'COMPLETE',
) {
  return {
    eventType: type,
    eventTime: '2026-11-01T00:00:00.000Z',
    job: { namespace: 'lakekit', name: job },
    inputs: inputs.map(([namespace, name]) => ({ namespace, name, facets: {} })),
    outputs: outputs.map(([namespace, name, cols]) => ({
      namespace,
      name,
      facets: {
        columnLineage: {
          fields: Object.fromEntries(
            cols.map((c) => [
              c,
              {
                inputFields: inputs.map(([ns, n]) => ({ namespace: ns, name: n, field: c })),
                transformationType: 'IDENTITY',
              },
            ]),
          ),
        },
      },
    })),
  };
}

const events = [
  event('crm_sync', [[PG, 'public.accounts']], [], 'START'),
  event('crm_sync', [[PG, 'public.accounts']], [[WAREHOUSE, 'crm.accounts', ['id', 'region']]]),
  event('crm_sync', [[PG, 'public.accounts']], [[WAREHOUSE, 'crm.accounts', ['id', 'region']]]),
  event(
    'marts',
    [
      [WAREHOUSE, 'crm.accounts'],
      [WAREHOUSE, 'crm.orders'],
    ],
    [[WAREHOUSE, 'mart.revenue', ['id']]],
  ),
  event('exports', [[WAREHOUSE, 'mart.revenue']], [[WAREHOUSE, 'mart.report', []]]),
];

describe('lineageGraph', () => {
  it('finds upstream sources and downstream tables of a table', async () => {
    const g = await lineageGraph(events, 'crm.accounts', { warehouse: WAREHOUSE });
    expect(g.nodes.map((n) => n.id)).toEqual([
      'crm.accounts',
      'mart.report',
      'mart.revenue',
      `${PG}/public.accounts`,
    ]);
    expect(g.edges.map((e) => [e.from, e.to, e.jobs])).toEqual([
      [`${PG}/public.accounts`, 'crm.accounts', ['crm_sync']],
      ['crm.accounts', 'mart.revenue', ['marts']],
      ['mart.revenue', 'mart.report', ['exports']],
    ]);
    expect(g.nodes.find((n) => n.id === `${PG}/public.accounts`)?.table).toBe(false);
    expect(g.columns).toContainEqual({
      from: `${PG}/public.accounts`,
      fromColumn: 'region',
      to: 'crm.accounts',
      toColumn: 'region',
      transformation: 'IDENTITY',
    });
  });

  it('stops at the depth and follows only the direction asked', async () => {
    const down1 = await lineageGraph(events, 'crm.accounts', {
      direction: 'down',
      depth: 1,
      warehouse: WAREHOUSE,
    });
    expect(down1.nodes.map((n) => n.id)).toEqual(['crm.accounts', 'mart.revenue']);
    const up = await lineageGraph(events, 'mart.revenue', { direction: 'up', warehouse: WAREHOUSE });
    expect(up.nodes.map((n) => n.id).sort()).toEqual(
      ['crm.accounts', 'crm.orders', 'mart.revenue', `${PG}/public.accounts`].sort(),
    );
  });

  it('renders text, mermaid and dot', async () => {
    const g = await lineageGraph(events, 'crm.accounts', { warehouse: WAREHOUSE });
    const text = renderLineageText(g);
    expect(text).toContain(`upstream:\n  ← ${PG}/public.accounts  (crm_sync)`);
    expect(text).toContain('downstream:\n  → mart.revenue  (marts)\n    → mart.report  (exports)');
    expect(text).toContain(`crm.accounts.region ← ${PG}/public.accounts.region (IDENTITY)`);
    const mermaid = renderLineageMermaid(g);
    expect(mermaid.startsWith('flowchart LR\n')).toBe(true);
    expect(mermaid).toContain('n0["crm.accounts"]');
    expect(mermaid).toContain('n0 -->|"marts"| n2');
    const dot = renderLineageDot(g);
    expect(dot).toContain('"crm.accounts" -> "mart.revenue" [label="marts"];');
    expect(dot).toContain('"crm.accounts" [style=bold];');
  });

  it('records hops, and neither shows nor walks through datasets that are not allowed', async () => {
    const g = await lineageGraph(events, 'crm.accounts', { warehouse: WAREHOUSE });
    expect(Object.fromEntries(g.nodes.map((n) => [n.id, n.depth]))).toEqual({
      'crm.accounts': 0,
      'mart.report': 2,
      'mart.revenue': 1,
      [`${PG}/public.accounts`]: 1,
    });
    const seen: string[] = [];
    const hidden = await lineageGraph(events, 'crm.accounts', {
      warehouse: WAREHOUSE,
      allowed: async (n) => {
        seen.push(n.id);
        return n.id !== 'mart.revenue';
      },
    });
    // mart.report lies behind mart.revenue: not reached either.
    expect(hidden.nodes.map((n) => n.id)).toEqual(['crm.accounts', `${PG}/public.accounts`]);
    expect(hidden.edges.map((e) => e.to)).toEqual(['crm.accounts']);
    expect(seen).not.toContain('mart.report');
  });

  it('links each output of a multi-stream run to its own inputs (from column lineage), not to every input', async () => {
    const run = {
      eventType: 'COMPLETE',
      eventTime: '2026-11-02T00:00:00.000Z',
      job: { namespace: 'lakekit', name: 'erp_sync' },
      inputs: [
        { namespace: PG, name: 'dbo.Orders' },
        { namespace: PG, name: 'dbo.Customers' },
      ],
      outputs: [
        ['erp.orders', 'dbo.Orders'],
        ['erp.customers', 'dbo.Customers'],
      ].map(([name, from]) => ({
        namespace: WAREHOUSE,
        name,
        facets: {
          columnLineage: {
            fields: { id: { inputFields: [{ namespace: `${PG}/`, name: from, field: 'id' }] } },
          },
        },
      })),
    };
    // An output without column lineage keeps the old rule: every input of its run.
    const bare = {
      ...run,
      job: { namespace: 'lakekit', name: 'bare' },
      outputs: [{ namespace: WAREHOUSE, name: 'erp.bare' }],
    };
    const up = async (t: string) =>
      (await lineageGraph([run, bare], t, { warehouse: WAREHOUSE, direction: 'up' })).edges.map(
        (e) => e.from,
      );
    expect(await up('erp.orders')).toEqual([`${PG}/dbo.Orders`]);
    expect(await up('erp.customers')).toEqual([`${PG}/dbo.Customers`]);
    expect((await up('erp.bare')).sort()).toEqual([`${PG}/dbo.Customers`, `${PG}/dbo.Orders`]);
  });

  it('gives just the table when nothing was recorded', async () => {
    const g = await lineageGraph([], 'crm.accounts');
    expect(g.nodes.map((n) => n.id)).toEqual(['crm.accounts']);
    expect(renderLineageText(g)).toContain('upstream:\n  (none recorded)');
  });
});
