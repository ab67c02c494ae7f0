// Acme's source schemas, described once and printed as SQL for each dialect.
//
// The ERP has a SQL Server-style schema (PascalCase names, `dbo`, DECIMAL(19,4) money, NVARCHAR text,
// DATETIME2 stamps). The same description gives DDL and INSERT/UPDATE statements for SQL Server
// (T-SQL text: no SQL Server runs here, so that script is written, never executed), MariaDB and SQLite
// (both executed by sources.mjs). The CRM is PostgreSQL only.
//
// Logical column types: int, bigint, money (DECIMAL(19,4); values are integer cents), amount
// (DECIMAL(14,2); integer cents), string:N, char:N, date, timestamp (no zone), bool.

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * @typedef {'sqlite' | 'mariadb' | 'mssql' | 'postgres'} Dialect
 * @typedef {{ name: string, type: string, nullable?: boolean }} Column
 * @typedef {{ name: string, columns: Column[], primaryKey: string[], foreignKeys?: { columns: string[], table: string, references: string[] }[], indexes?: string[][] }} Table
 */

/** @type {Table[]} The ERP, in dependency order. */
export const ERP_TABLES = [
  {
    name: 'Customers',
    columns: [
      { name: 'CustomerID', type: 'int', nullable: false },
      { name: 'CrmAccountID', type: 'int' },
      { name: 'CustomerName', type: 'string:200', nullable: false },
      { name: 'Email', type: 'string:320' },
      { name: 'Phone', type: 'string:40' },
      { name: 'Region', type: 'string:20', nullable: false },
      { name: 'State', type: 'char:2' },
      { name: 'City', type: 'string:100' },
      { name: 'CreatedDate', type: 'timestamp', nullable: false },
      { name: 'ModifiedDate', type: 'timestamp', nullable: false },
    ],
    primaryKey: ['CustomerID'],
    indexes: [['ModifiedDate']],
  },
  {
    name: 'Products',
    columns: [
      { name: 'ProductID', type: 'int', nullable: false },
      { name: 'SKU', type: 'string:20', nullable: false },
      { name: 'ProductName', type: 'string:200', nullable: false },
      { name: 'Category', type: 'string:50', nullable: false },
      { name: 'ListPrice', type: 'money', nullable: false },
      { name: 'StandardCost', type: 'money', nullable: false },
      { name: 'IsDiscontinued', type: 'bool', nullable: false },
      { name: 'ModifiedDate', type: 'timestamp', nullable: false },
    ],
    primaryKey: ['ProductID'],
    indexes: [['ModifiedDate']],
  },
  {
    name: 'SalesOrders',
    columns: [
      { name: 'SalesOrderID', type: 'int', nullable: false },
      { name: 'OrderNumber', type: 'string:20', nullable: false },
      { name: 'CustomerID', type: 'int' },
      { name: 'OrderDate', type: 'date', nullable: false },
      { name: 'Region', type: 'string:20', nullable: false },
      { name: 'ShipWarehouseID', type: 'string:10' },
      { name: 'Status', type: 'string:20', nullable: false },
      { name: 'ModifiedDate', type: 'timestamp', nullable: false },
    ],
    primaryKey: ['SalesOrderID'],
    foreignKeys: [{ columns: ['CustomerID'], table: 'Customers', references: ['CustomerID'] }],
    indexes: [['ModifiedDate'], ['OrderDate']],
  },
  {
    name: 'OrderLines',
    columns: [
      { name: 'OrderLineID', type: 'int', nullable: false },
      { name: 'SalesOrderID', type: 'int', nullable: false },
      { name: 'LineNumber', type: 'int', nullable: false },
      { name: 'ProductID', type: 'int', nullable: false },
      { name: 'Quantity', type: 'int', nullable: false },
      { name: 'UnitPrice', type: 'money', nullable: false },
      { name: 'ModifiedDate', type: 'timestamp', nullable: false },
    ],
    primaryKey: ['OrderLineID'],
    foreignKeys: [
      { columns: ['SalesOrderID'], table: 'SalesOrders', references: ['SalesOrderID'] },
      { columns: ['ProductID'], table: 'Products', references: ['ProductID'] },
    ],
    indexes: [['ModifiedDate'], ['SalesOrderID']],
  },
  {
    name: 'Invoices',
    columns: [
      { name: 'InvoiceID', type: 'int', nullable: false },
      { name: 'SalesOrderID', type: 'int', nullable: false },
      { name: 'InvoiceNumber', type: 'string:20', nullable: false },
      { name: 'InvoiceDate', type: 'date', nullable: false },
      { name: 'DueDate', type: 'date', nullable: false },
      { name: 'Amount', type: 'money', nullable: false },
      { name: 'Status', type: 'string:20', nullable: false },
      { name: 'PaidDate', type: 'date' },
      { name: 'ModifiedDate', type: 'timestamp', nullable: false },
    ],
    primaryKey: ['InvoiceID'],
    foreignKeys: [{ columns: ['SalesOrderID'], table: 'SalesOrders', references: ['SalesOrderID'] }],
    indexes: [['ModifiedDate']],
  },
];

/** @type {Table[]} The CRM (PostgreSQL, schema `crm`). */
export const CRM_TABLES = [
  {
    name: 'accounts',
    columns: [
      { name: 'account_id', type: 'int', nullable: false },
      { name: 'name', type: 'string:200', nullable: false },
      { name: 'domain', type: 'string:100' },
      { name: 'industry', type: 'string:50' },
      { name: 'region', type: 'string:20', nullable: false },
      { name: 'state', type: 'char:2' },
      { name: 'city', type: 'string:100' },
      { name: 'owner', type: 'string:100' },
      { name: 'created_at', type: 'timestamp', nullable: false },
      { name: 'updated_at', type: 'timestamp', nullable: false },
    ],
    primaryKey: ['account_id'],
    indexes: [['updated_at']],
  },
  {
    name: 'contacts',
    columns: [
      { name: 'contact_id', type: 'int', nullable: false },
      { name: 'account_id', type: 'int', nullable: false },
      { name: 'first_name', type: 'string:100' },
      { name: 'last_name', type: 'string:100' },
      { name: 'email', type: 'string:320' },
      { name: 'phone', type: 'string:40' },
      { name: 'title', type: 'string:100' },
      { name: 'created_at', type: 'timestamp', nullable: false },
      { name: 'updated_at', type: 'timestamp', nullable: false },
    ],
    primaryKey: ['contact_id'],
    foreignKeys: [{ columns: ['account_id'], table: 'accounts', references: ['account_id'] }],
    indexes: [['updated_at']],
  },
  {
    name: 'opportunities',
    columns: [
      { name: 'opportunity_id', type: 'int', nullable: false },
      { name: 'account_id', type: 'int', nullable: false },
      { name: 'name', type: 'string:200', nullable: false },
      { name: 'stage', type: 'string:30', nullable: false },
      { name: 'amount', type: 'amount', nullable: false },
      { name: 'close_date', type: 'date' },
      { name: 'created_at', type: 'timestamp', nullable: false },
      { name: 'updated_at', type: 'timestamp', nullable: false },
    ],
    primaryKey: ['opportunity_id'],
    foreignKeys: [{ columns: ['account_id'], table: 'accounts', references: ['account_id'] }],
    indexes: [['updated_at']],
  },
  {
    name: 'activities',
    columns: [
      { name: 'activity_id', type: 'bigint', nullable: false },
      { name: 'account_id', type: 'int', nullable: false },
      { name: 'contact_id', type: 'int' },
      { name: 'activity_type', type: 'string:20', nullable: false },
      { name: 'subject', type: 'string:200' },
      { name: 'occurred_at', type: 'timestamp', nullable: false },
      { name: 'updated_at', type: 'timestamp', nullable: false },
    ],
    primaryKey: ['activity_id'],
    foreignKeys: [{ columns: ['account_id'], table: 'accounts', references: ['account_id'] }],
  },
];

/** Rows per INSERT statement (T-SQL allows at most 1,000 rows in one VALUES list). */
export const INSERT_BATCH = { mssql: 1000, mariadb: 1000, sqlite: 500, postgres: 1000 };

/** The SQL type of a logical type in a dialect. @param {Dialect} dialect @param {string} type */
export function sqlType(dialect, type) {
  const [kind, arg] = type.split(':');
  switch (kind) {
    case 'int':
      return dialect === 'sqlite' ? 'INTEGER' : dialect === 'postgres' ? 'integer' : 'INT';
    case 'bigint':
      return dialect === 'sqlite' ? 'INTEGER' : dialect === 'postgres' ? 'bigint' : 'BIGINT';
    case 'money':
      return dialect === 'postgres' ? 'numeric(19,4)' : 'DECIMAL(19,4)';
    case 'amount':
      return dialect === 'postgres' ? 'numeric(14,2)' : 'DECIMAL(14,2)';
    case 'string':
      return {
        mssql: `NVARCHAR(${arg})`,
        sqlite: `NVARCHAR(${arg})`,
        mariadb: `VARCHAR(${arg})`,
        postgres: `varchar(${arg})`,
      }[dialect];
    case 'char':
      return {
        mssql: `NCHAR(${arg})`,
        sqlite: `NCHAR(${arg})`,
        mariadb: `CHAR(${arg})`,
        postgres: `char(${arg})`,
      }[dialect];
    case 'date':
      return dialect === 'postgres' ? 'date' : 'DATE';
    case 'timestamp':
      return { mssql: 'DATETIME2(0)', sqlite: 'DATETIME', mariadb: 'DATETIME', postgres: 'timestamp(0)' }[
        dialect
      ];
    case 'bool':
      return { mssql: 'BIT', sqlite: 'BOOLEAN', mariadb: 'BOOLEAN', postgres: 'boolean' }[dialect];
    default:
      throw new Error(`unknown column type ${type}`);
  }
}

/** A quoted identifier. @param {Dialect} dialect @param {string} name */
export function quoteIdent(dialect, name) {
  if (dialect === 'mssql') return `[${name.replace(/]/g, ']]')}]`;
  if (dialect === 'mariadb') return `\`${name.replace(/`/g, '``')}\``;
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * A table's qualified name: `[dbo].[Customers]` in SQL Server, `"crm"."accounts"` with a schema, else
 * the quoted name (MariaDB's schema is the database; SQLite has none).
 * @param {Dialect} dialect @param {string} table @param {string} [schema]
 */
export function tableName(dialect, table, schema) {
  const s = schema ?? (dialect === 'mssql' ? 'dbo' : undefined);
  return s ? `${quoteIdent(dialect, s)}.${quoteIdent(dialect, table)}` : quoteIdent(dialect, table);
}

/** A string literal. @param {Dialect} dialect @param {string} s */
function stringLiteral(dialect, s) {
  if (dialect === 'mssql') return `N'${s.replace(/'/g, "''")}'`;
  // MariaDB's default sql_mode treats a backslash as an escape character.
  if (dialect === 'mariadb') return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  return `'${s.replace(/'/g, "''")}'`;
}

/** Integer cents as a DECIMAL literal with `scale` fractional digits. */
function centsLiteral(cents, scale) {
  const sign = cents < 0 ? '-' : '';
  const a = Math.abs(cents);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}${'0'.repeat(scale - 2)}`;
}

/**
 * A value as a literal of its column's type.
 * @param {Dialect} dialect @param {string} type @param {unknown} value
 */
export function literal(dialect, type, value) {
  if (value === null || value === undefined) return 'NULL';
  const kind = type.split(':')[0];
  switch (kind) {
    case 'int':
    case 'bigint':
      if (!Number.isInteger(value)) throw new Error(`not an integer: ${value}`);
      return String(value);
    case 'money':
      return centsLiteral(/** @type {number} */ (value), 4);
    case 'amount':
      return centsLiteral(/** @type {number} */ (value), 2);
    case 'bool':
      if (dialect === 'mariadb' || dialect === 'postgres') return value ? 'TRUE' : 'FALSE';
      return value ? '1' : '0';
    case 'date':
      return `'${String(value)}'`;
    case 'timestamp':
      // T-SQL: ISO 8601 with a T is read the same whatever the session's DATEFORMAT and language.
      return dialect === 'mssql'
        ? `'${String(value).replace(' ', 'T')}'`
        : stringLiteral(dialect, String(value));
    default:
      return stringLiteral(dialect, String(value));
  }
}

/**
 * CREATE TABLE (with primary and foreign keys) and CREATE INDEX statements, without terminators.
 * @param {Dialect} dialect @param {Table[]} tables @param {{ schema?: string }} [options]
 */
export function createStatements(dialect, tables, options = {}) {
  const q = (n) => quoteIdent(dialect, n);
  const name = (t) => tableName(dialect, t, options.schema);
  /** @type {string[]} */
  const out = [];
  for (const t of tables) {
    const lines = t.columns.map(
      (c) => `  ${q(c.name)} ${sqlType(dialect, c.type)}${c.nullable === false ? ' NOT NULL' : ' NULL'}`,
    );
    const pk = `PK_${t.name}`;
    lines.push(
      dialect === 'mariadb'
        ? `  PRIMARY KEY (${t.primaryKey.map(q).join(', ')})`
        : `  CONSTRAINT ${q(pk)} PRIMARY KEY (${t.primaryKey.map(q).join(', ')})`,
    );
    for (const fk of t.foreignKeys ?? []) {
      lines.push(
        `  CONSTRAINT ${q(`FK_${t.name}_${fk.table}`)} FOREIGN KEY (${fk.columns.map(q).join(', ')}) REFERENCES ${name(fk.table)} (${fk.references.map(q).join(', ')})`,
      );
    }
    const tail =
      dialect === 'mariadb' ? ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci' : '';
    out.push(`CREATE TABLE ${name(t.name)} (\n${lines.join(',\n')}\n)${tail}`);
    for (const cols of t.indexes ?? []) {
      // Index names are unique per schema (PostgreSQL) or database (SQLite): the table is in the name.
      const ix = `IX_${t.name}_${cols.join('_')}`;
      out.push(
        `CREATE INDEX ${q(dialect === 'postgres' ? ix.toLowerCase() : ix)} ON ${name(t.name)} (${cols.map(q).join(', ')})`,
      );
    }
  }
  return out;
}

/**
 * Multi-row INSERT statements for the rows of one table (no terminators).
 * @param {Dialect} dialect @param {Table} table @param {readonly Record<string, unknown>[]} rows
 * @param {{ schema?: string, batch?: number }} [options]
 */
export function insertStatements(dialect, table, rows, options = {}) {
  const batch = options.batch ?? INSERT_BATCH[dialect];
  const head = `INSERT INTO ${tableName(dialect, table.name, options.schema)} (${table.columns.map((c) => quoteIdent(dialect, c.name)).join(', ')}) VALUES\n`;
  /** @type {string[]} */
  const out = [];
  for (let i = 0; i < rows.length; i += batch) {
    const values = [];
    for (const row of rows.slice(i, i + batch)) {
      values.push(`(${table.columns.map((c) => literal(dialect, c.type, row[c.name])).join(', ')})`);
    }
    out.push(head + values.join(',\n'));
  }
  return out;
}

/**
 * One UPDATE per change: `changes` are rows holding the primary key and the columns to set.
 * @param {Dialect} dialect @param {Table} table @param {readonly Record<string, unknown>[]} changes
 * @param {{ schema?: string }} [options]
 */
export function updateStatements(dialect, table, changes, options = {}) {
  const type = (n) => {
    const c = table.columns.find((x) => x.name === n);
    if (!c) throw new Error(`no column ${n} in ${table.name}`);
    return c.type;
  };
  return changes.map((change) => {
    const sets = Object.keys(change)
      .filter((k) => !table.primaryKey.includes(k))
      .map((k) => `${quoteIdent(dialect, k)} = ${literal(dialect, type(k), change[k])}`);
    const where = table.primaryKey.map(
      (k) => `${quoteIdent(dialect, k)} = ${literal(dialect, type(k), change[k])}`,
    );
    return `UPDATE ${tableName(dialect, table.name, options.schema)} SET ${sets.join(', ')} WHERE ${where.join(' AND ')}`;
  });
}

/** The ERP table description by name. @param {string} name */
export function erpTable(name) {
  const t = ERP_TABLES.find((x) => x.name === name);
  if (!t) throw new Error(`no ERP table ${name}`);
  return t;
}

/**
 * The ERP as one T-SQL script for SQL Server (sqlcmd -d <database> -i erp.mssql.sql): DDL in `dbo`,
 * every row, and optionally the fixes, with a `GO` after each statement. Not executed here.
 * @param {{ erp: Record<string, Record<string, unknown>[]> } | null} data rows by table (null: DDL only)
 * @param {{ fixes?: Record<string, Record<string, unknown>[]> }} [options]
 */
export function mssqlScript(data, options = {}) {
  const parts = [
    '-- Acme ERP for SQL Server (generated by examples/acme; T-SQL, never run by Lakekit tests).',
    '-- Run in an empty database: sqlcmd -S <server> -d <database> -i erp.mssql.sql',
    'SET NOCOUNT ON;',
    'SET XACT_ABORT ON;',
    'GO',
  ];
  for (const s of createStatements('mssql', ERP_TABLES)) parts.push(`${s};`, 'GO');
  if (data) {
    for (const t of ERP_TABLES) {
      for (const s of insertStatements('mssql', t, data.erp[t.name] ?? [])) parts.push(`${s};`, 'GO');
    }
  }
  for (const [name, changes] of Object.entries(options.fixes ?? {})) {
    parts.push(`-- fixes to ${name}`);
    for (const s of updateStatements('mssql', erpTable(name), changes)) parts.push(`${s};`);
    parts.push('GO');
  }
  return `${parts.join('\n')}\n`;
}

// `node examples/acme/schema.mjs` rewrites examples/acme/erp.mssql.sql, the ERP's DDL for SQL Server
// (a test checks it is up to date).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = fileURLToPath(new URL('./erp.mssql.sql', import.meta.url));
  writeFileSync(file, mssqlScript(null));
  console.log(`wrote ${file}`);
}
