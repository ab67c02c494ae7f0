import { describe, expect, it } from 'vitest';
import {
  asTextExpr,
  cursorPredicate,
  discoverySql,
  formatMssqlType,
  keysetChunkSql,
  keysetExpr,
  keysetPredicate,
  mssqlString,
  quoteMssqlIdent,
  SNAPSHOT_STATE_SQL,
  selectExpr,
  selectSql,
  tableRef,
} from './mssql-sql.js';

const SYSTEM =
  "N'sys', N'INFORMATION_SCHEMA', N'guest', N'db_owner', N'db_accessadmin', N'db_securityadmin', N'db_ddladmin', " +
  "N'db_backupoperator', N'db_datareader', N'db_datawriter', N'db_denydatareader', N'db_denydatawriter'";

describe('quoting', () => {
  it('quotes identifiers and strings', () => {
    expect(quoteMssqlIdent('a]b')).toBe('[a]]b]');
    expect(tableRef('dbo', 'Order Lines')).toBe('[dbo].[Order Lines]');
    expect(mssqlString("it's")).toBe("N'it''s'");
  });
});

describe('discovery SQL', () => {
  it('lists tables and views of every non-system schema', () => {
    const sql = discoverySql(undefined);
    expect(sql.tables).toBe(
      `SELECT TABLE_SCHEMA AS [schema], TABLE_NAME AS [table], TABLE_TYPE AS [kind] FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA NOT IN (${SYSTEM}) ORDER BY TABLE_SCHEMA, TABLE_NAME`,
    );
    expect(sql.columns).toBe(
      'SELECT TABLE_SCHEMA AS [schema], TABLE_NAME AS [table], COLUMN_NAME AS [column], DATA_TYPE AS [type], ' +
        'CHARACTER_MAXIMUM_LENGTH AS [length], NUMERIC_PRECISION AS [precision], NUMERIC_SCALE AS [scale], ' +
        'DATETIME_PRECISION AS [datetime_precision], IS_NULLABLE AS [nullable] FROM INFORMATION_SCHEMA.COLUMNS ' +
        `WHERE TABLE_SCHEMA NOT IN (${SYSTEM}) ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
    );
  });

  it('takes primary keys from sys.indexes in key order, comments and row counts from the catalog', () => {
    const sql = discoverySql(['sales'], "o'neil");
    expect(sql.keys).toBe(
      'SELECT s.name AS [schema], o.name AS [table], c.name AS [column] FROM sys.indexes AS i ' +
        'JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id ' +
        'JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id ' +
        'JOIN sys.objects AS o ON o.object_id = i.object_id JOIN sys.schemas AS s ON s.schema_id = o.schema_id ' +
        "WHERE i.is_primary_key = 1 AND s.name IN (N'sales') AND o.name = N'o''neil' ORDER BY s.name, o.name, ic.key_ordinal",
    );
    expect(sql.comments).toBe(
      'SELECT s.name AS [schema], o.name AS [table], c.name AS [column], CAST(ep.value AS nvarchar(4000)) AS [comment] ' +
        'FROM sys.extended_properties AS ep JOIN sys.objects AS o ON o.object_id = ep.major_id ' +
        'JOIN sys.schemas AS s ON s.schema_id = o.schema_id ' +
        'JOIN sys.columns AS c ON c.object_id = ep.major_id AND c.column_id = ep.minor_id ' +
        "WHERE ep.class = 1 AND ep.name = N'MS_Description' AND s.name IN (N'sales') AND o.name = N'o''neil'",
    );
    expect(sql.rows).toBe(
      'SELECT s.name AS [schema], o.name AS [table], SUM(p.rows) AS [rows] FROM sys.partitions AS p ' +
        'JOIN sys.objects AS o ON o.object_id = p.object_id JOIN sys.schemas AS s ON s.schema_id = o.schema_id ' +
        "WHERE p.index_id IN (0, 1) AND s.name IN (N'sales') AND o.name = N'o''neil' GROUP BY s.name, o.name",
    );
    expect(sql.tables).toContain("WHERE TABLE_SCHEMA IN (N'sales') AND TABLE_NAME = N'o''neil'");
  });

  it('reads the snapshot isolation setting of the current database', () => {
    expect(SNAPSHOT_STATE_SQL).toBe(
      'SELECT snapshot_isolation_state AS [state] FROM sys.databases WHERE database_id = DB_ID()',
    );
  });

  it.each([
    [{ type: 'nvarchar', length: -1 }, 'nvarchar(max)'],
    [{ type: 'varchar', length: 40 }, 'varchar(40)'],
    [{ type: 'varbinary', length: -1 }, 'varbinary(max)'],
    [{ type: 'binary', length: 16 }, 'binary(16)'],
    [{ type: 'decimal', precision: 12, scale: 2 }, 'decimal(12,2)'],
    [{ type: 'numeric', precision: 38, scale: 0 }, 'numeric(38,0)'],
    [{ type: 'float', precision: 53 }, 'float(53)'],
    [{ type: 'float', precision: 24 }, 'float(24)'],
    [{ type: 'datetime2', datetime_precision: 7 }, 'datetime2(7)'],
    [{ type: 'time', datetime_precision: 3 }, 'time(3)'],
    [{ type: 'datetimeoffset', datetime_precision: 7 }, 'datetimeoffset(7)'],
    [{ type: 'datetime', datetime_precision: 3 }, 'datetime'],
    [{ type: 'money', precision: 19, scale: 4 }, 'money'],
    [{ type: 'timestamp' }, 'timestamp'],
    [{ type: 'uniqueidentifier' }, 'uniqueidentifier'],
  ])('formats %o as %s', (row, want) => {
    expect(
      formatMssqlType({ length: null, precision: null, scale: null, datetime_precision: null, ...row }),
    ).toBe(want);
  });
});

describe('canonical SELECT expressions', () => {
  it.each([
    ['bit', '[c]'],
    ['tinyint', '[c]'],
    ['bigint', '[c]'],
    ['real', '[c]'],
    ['float(53)', '[c]'],
    ['nvarchar(max)', '[c]'],
    ['varchar(40)', '[c]'],
    ['ntext', '[c]'],
    ['uniqueidentifier', '[c]'],
    ['decimal(38,10)', 'CONVERT(varchar(41), [c])'],
    ['money', 'CONVERT(varchar(30), [c], 2)'],
    ['smallmoney', 'CONVERT(varchar(30), [c], 2)'],
    ['date', 'CONVERT(char(10), [c], 23)'],
    ['time(7)', 'LEFT(CAST([c] AS varchar(16)), 15)'],
    ['datetime2(7)', 'LEFT(CONVERT(varchar(33), [c], 126), 26)'],
    ['datetime', 'CONVERT(varchar(23), [c], 126)'],
    ['smalldatetime', 'CONVERT(varchar(19), [c], 126)'],
    [
      'datetimeoffset(7)',
      "LEFT(CONVERT(varchar(33), CAST(SWITCHOFFSET([c], '+00:00') AS datetime2(7)), 126), 26)",
    ],
    ['varbinary(max)', 'CONVERT(varchar(max), [c], 2)'],
    ['rowversion', 'CONVERT(varchar(max), [c], 2)'],
    ['timestamp', 'CONVERT(varchar(max), [c], 2)'],
    ['image', 'CONVERT(varchar(max), CAST([c] AS varbinary(max)), 2)'],
    ['xml', 'CAST([c] AS nvarchar(max))'],
  ])('%s is read as %s', (type, expr) => {
    expect(selectExpr(type, '[c]')).toBe(expr);
  });

  it('has none for unsupported types; as text they are spelled out', () => {
    expect(selectExpr('geography', '[c]')).toBeUndefined();
    expect(asTextExpr('geography', '[c]')).toBe('[c].STAsText()');
    expect(asTextExpr('geometry', '[c]')).toBe('[c].STAsText()');
    expect(asTextExpr('hierarchyid', '[c]')).toBe('[c].ToString()');
    expect(asTextExpr('sql_variant', '[c]')).toBe('CAST([c] AS nvarchar(max))');
  });

  it.each([
    ['datetime2(7)', 'CONVERT(varchar(33), [k], 126)'],
    ['datetime', 'CONVERT(varchar(23), [k], 126)'],
    ['smalldatetime', 'CONVERT(varchar(19), [k], 126)'],
    ['datetimeoffset(7)', 'CONVERT(varchar(34), [k], 126)'],
    ['date', 'CONVERT(char(10), [k], 23)'],
    ['time(7)', 'CAST([k] AS varchar(16))'],
    ['decimal(12,2)', 'CONVERT(varchar(41), [k])'],
    ['money', 'CONVERT(varchar(30), [k], 2)'],
    ['float(53)', 'CONVERT(varchar(30), [k], 3)'],
    ['int', '[k]'],
    ['rowversion', '[k]'],
    ['nvarchar(20)', '[k]'],
  ])('keyset values of %s are read exactly as %s', (type, expr) => {
    expect(keysetExpr(type, '[k]')).toBe(expr);
  });
});

describe('extract SQL', () => {
  it('a full read is a plain SELECT', () => {
    expect(
      selectSql({
        schema: 'dbo',
        table: 'orders',
        select: ['[id] AS [id]', 'CONVERT(varchar(41), [amount]) AS [amount]'],
      }),
    ).toBe('SELECT [id] AS [id], CONVERT(varchar(41), [amount]) AS [amount] FROM [dbo].[orders]');
  });

  it('keyset predicates nest over the key columns', () => {
    expect(keysetPredicate(['[c]'], ['@p0'])).toBe('[c] > @p0');
    expect(keysetPredicate(['[c]', '[id]'], ['@p0', '@p1'])).toBe(
      '([c] > @p0 OR ([c] = @p0 AND [id] > @p1))',
    );
    expect(keysetPredicate(['[a]', '[b]', '[c]'], ['@p0', '@p1', '@p2'])).toBe(
      '([a] > @p0 OR ([a] = @p0 AND ([b] > @p1 OR ([b] = @p1 AND [c] > @p2))))',
    );
    expect(() => keysetPredicate(['[a]'], ['@p0', '@p1'])).toThrow();
    expect(cursorPredicate('[at]', '@after', false)).toBe('[at] > @after');
    expect(cursorPredicate('[at]', '@after', true)).toBe('[at] >= @after');
  });

  it('the first keyset chunk: TOP (n), the cursor filter, ordered by (cursor, key), key values alongside', () => {
    expect(
      keysetChunkSql({
        schema: 'sales',
        table: 'orders',
        select: ['[id] AS [id]', 'LEFT(CONVERT(varchar(33), [updated_at], 126), 26) AS [updated_at]'],
        filter: [cursorPredicate('[updated_at]', '@after', false), '[updated_at] IS NOT NULL'],
        keyset: [
          { name: 'updated_at', sourceType: 'datetime2(7)' },
          { name: 'id', sourceType: 'bigint' },
        ],
        batchRows: 500000,
        after: false,
      }),
    ).toBe(
      'SELECT TOP (500000) [id] AS [id], LEFT(CONVERT(varchar(33), [updated_at], 126), 26) AS [updated_at], ' +
        'CONVERT(varchar(33), [updated_at], 126) AS [__lakekit_key0], [id] AS [__lakekit_key1] FROM [sales].[orders] ' +
        'WHERE [updated_at] > @after AND [updated_at] IS NOT NULL ORDER BY [updated_at], [id]',
    );
  });

  it('the next chunks start after the last position', () => {
    expect(
      keysetChunkSql({
        schema: 'dbo',
        table: 't',
        select: ['[v] AS [v]'],
        filter: ['[rv] IS NOT NULL'],
        keyset: [
          { name: 'rv', sourceType: 'rowversion' },
          { name: 'id', sourceType: 'int' },
        ],
        batchRows: 100,
        after: true,
      }),
    ).toBe(
      'SELECT TOP (100) [v] AS [v], [rv] AS [__lakekit_key0], [id] AS [__lakekit_key1] FROM [dbo].[t] ' +
        'WHERE [rv] IS NOT NULL AND ([rv] > @p0 OR ([rv] = @p0 AND [id] > @p1)) ORDER BY [rv], [id]',
    );
  });

  it('rows with a NULL cursor go by key alone', () => {
    expect(
      keysetChunkSql({
        schema: 'dbo',
        table: 't',
        select: ['[v] AS [v]'],
        filter: ['[at] IS NULL'],
        keyset: [{ name: 'id', sourceType: 'int' }],
        batchRows: 10,
        after: true,
      }),
    ).toBe(
      'SELECT TOP (10) [v] AS [v], [id] AS [__lakekit_key0] FROM [dbo].[t] WHERE [at] IS NULL AND [id] > @p0 ORDER BY [id]',
    );
  });
});
