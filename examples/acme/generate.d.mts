// Types of generate.mjs (for the TypeScript tests in tests/acme/).
export type Value = string | number | boolean | null;
export type Row = Record<string, Value>;

export declare const TODAY: string;
export declare const HISTORY_START: string;
export declare const FIX_TIME: string;
export declare const LINES_PER_SCALE: number;
export declare const STOCK_DAYS: number;
export declare const LATE_STOCK_DAY: string;
export declare const PRODUCT_COUNT: number;
export declare const REGIONS: Record<
  string,
  { weight: number; states: Record<string, string[]>; reps: string[] }
>;
export declare const WAREHOUSES: {
  warehouse_id: string;
  name: string;
  city: string;
  state: string;
  region: string;
}[];

export interface Dataset {
  seed: number;
  scale: number;
  today: string;
  historyStart: string;
  crm: { accounts: Row[]; contacts: Row[]; opportunities: Row[]; activities: Row[] };
  erp: { Customers: Row[]; Products: Row[]; SalesOrders: Row[]; OrderLines: Row[]; Invoices: Row[] };
  inventory: {
    warehouses: Row[];
    products: Row[];
    stock: { day: string; rows: Row[] }[];
    lateDay: string;
  };
  fixes: { SalesOrders: Row[]; OrderLines: Row[] };
  mess: {
    duplicates: {
      crmAccountId: number;
      crmName: string;
      erpCustomerId: number;
      duplicateCustomerId: number;
      duplicateName: string;
      duplicateEmail: string;
    }[];
    badEmails: { table: string; key: Row; column: string; value: string }[];
    missingCustomer: number[];
    negativeQuantity: number[];
    lateFile: string;
    regionalFavourites: Record<string, string[]>;
  };
}

export declare function generate(options?: { seed?: number; scale?: number }): Dataset;
export declare function counts(ds: Dataset): Record<string, number>;
export declare function stockCsv(drop: { rows: Row[] }): string;
export declare function prng(
  seed: number,
  label: string,
): {
  next(): number;
  int(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
  weighted(cum: readonly number[]): number;
  shuffle<T>(xs: readonly T[]): T[];
};
export declare function dayNumber(iso: string): number;
export declare function isoDay(n: number): string;
export declare function addDays(iso: string, days: number): string;
export declare function quarterOf(iso: string): { first: string; last: string; label: string };
export declare function previousQuarter(iso: string): { first: string; last: string; label: string };
export declare function parseArgs(argv: string[]): Record<string, string | true>;
