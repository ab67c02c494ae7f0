// Types of schema.mjs (for the TypeScript tests in tests/acme/).
export type Dialect = 'sqlite' | 'mariadb' | 'mssql' | 'postgres';
export interface Column {
  name: string;
  type: string;
  nullable?: boolean;
}
export interface Table {
  name: string;
  columns: Column[];
  primaryKey: string[];
  foreignKeys?: { columns: string[]; table: string; references: string[] }[];
  indexes?: string[][];
}
export declare const ERP_TABLES: Table[];
export declare const CRM_TABLES: Table[];
export declare const INSERT_BATCH: Record<Dialect, number>;
export declare function sqlType(dialect: Dialect, type: string): string;
export declare function quoteIdent(dialect: Dialect, name: string): string;
export declare function tableName(dialect: Dialect, table: string, schema?: string): string;
export declare function literal(dialect: Dialect, type: string, value: unknown): string;
export declare function createStatements(
  dialect: Dialect,
  tables: Table[],
  options?: { schema?: string },
): string[];
export declare function insertStatements(
  dialect: Dialect,
  table: Table,
  rows: readonly Record<string, unknown>[],
  options?: { schema?: string; batch?: number },
): string[];
export declare function updateStatements(
  dialect: Dialect,
  table: Table,
  changes: readonly Record<string, unknown>[],
  options?: { schema?: string },
): string[];
export declare function erpTable(name: string): Table;
export declare function mssqlScript(
  data: { erp: Record<string, Record<string, unknown>[]> } | null,
  options?: { fixes?: Record<string, Record<string, unknown>[]> },
): string;
