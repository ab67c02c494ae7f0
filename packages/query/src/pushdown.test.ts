import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog } from '@lakekit/catalog';
import { appendFiles, type Engine, openEngine, planScan, writeDataFile } from '@lakekit/iceberg';
import { createFileIO } from '@lakekit/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdminQuery } from './admin-query.js';
import { pushdownFilter } from './pushdown.js';
import { parseSql, tableReferences } from './table-references.js';

let engine: Engine;
let catalog: Catalog;
const id = { namespace: ['s'], name: 'orders' };

beforeAll(async () => {
  engine = await openEngine();
  const dir = mkdtempSync(join(tmpdir(), 'lk-pd-'));
  catalog = await Catalog.open({
    uri: `sqlite:${dir}/c.db`,
    name: 'lakekit',
    warehouse: `file://${dir}/wh`,
    io: createFileIO(),
  });
  await catalog.createNamespace(['s']);
  const t = await catalog.createTable(id, [
    { name: 'id', type: { kind: 'long' } },
    { name: 'day', type: { kind: 'date' } },
    { name: 'region', type: { kind: 'string' } },
  ]);
  // Three files with disjoint id and day ranges.
  for (const k of [0, 1, 2]) {
    const files = await writeDataFile({
      engine,
      io: t.io,
      selectSql: `SELECT range AS id, DATE '2024-01-01' + (range // 10)::INTEGER AS day, CASE WHEN range % 2 = 0 THEN 'east' ELSE 'west' END AS region FROM range(${k * 100}, ${k * 100 + 100})`,
      sourceColumns: ['id', 'day', 'region'],
      schema: t.schema(),
      tableLocation: t.metadata.location,
      tableName: t.name,
    });
    await appendFiles(t, files);
  }
});
afterAll(async () => {
  engine.close();
  await catalog.close();
});

async function filterOf(sql: string) {
  const tree = await parseSql(engine, sql);
  const root = tree.statements[0]!.node;
  const ref = tableReferences(tree)[0]!;
  const t = await catalog.loadTable(id);
  return { filter: await pushdownFilter(engine, root, ref, t.schema()), table: t };
}

describe('filter pushdown', () => {
  it('turns WHERE conjuncts into a filter that prunes files by bounds', async () => {
    const { filter, table } = await filterOf(
      "select * from s.orders o where o.id >= 150 and day < DATE '2024-01-20' and region = 'east'",
    );
    expect(filter).toEqual({
      op: 'and',
      args: [
        { op: 'gte', fieldId: 1, value: 150n },
        { op: 'lt', fieldId: 2, value: 19742 },
        { op: 'eq', fieldId: 3, value: 'east' },
      ],
    });
    const plan = await planScan(table.io, table.currentSnapshot(), {
      filter: filter!,
      schema: table.schema(),
    });
    expect(plan.data).toHaveLength(1);
  });

  it('keeps only exact constants (no pushdown of id > 5.5 on a BIGINT)', async () => {
    expect((await filterOf('select * from s.orders where id > 5.5')).filter).toBeUndefined();
    expect((await filterOf('select * from s.orders where id in (1, 250)')).filter).toEqual({
      op: 'in',
      fieldId: 1,
      values: [1n, 250n],
    });
    expect(
      (await filterOf('select * from s.orders a join s.orders b using (id) where a.id = 1')).filter,
    ).toBeUndefined();
  });

  it('gives the same answers with pushdown as without', async () => {
    const cases = [
      'select count(*) from s.orders where id > 99.5',
      'select count(*) from s.orders where id > 199',
      "select count(*) from s.orders where day >= '2024-01-25' and region <> 'east'",
      'select count(*) from s.orders where 150 > id',
      'select count(*) from s.orders where id in (5, 105, 999)',
      'select count(*) from s.orders where region is null',
    ];
    for (const sql of cases) {
      const pushed = await runAdminQuery(catalog, engine, sql);
      const plain = await runAdminQuery(
        catalog,
        engine,
        sql.replace('from s.orders', 'from (select * from s.orders) x'),
      );
      expect([sql, pushed.rows]).toEqual([sql, plain.rows]);
    }
  });
});
