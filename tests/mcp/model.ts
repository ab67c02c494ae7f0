/**
 * A semantic model over the governed-query world of tests/query/fixture.ts (crm.accounts,
 * crm.orders, hr.salaries) and metric questions with their expected answers, written as plain SQL
 * over the raw (ungoverned) copies of the data with each principal's grants applied by hand:
 * - alice: row filter region = 'west' on crm.accounts, every order;
 * - bob: columns id and region of crm.accounts (no row filter), orders with qty > 2;
 * - carol: no table at all.
 */

export const METRIC_MODEL = `entities:
  - name: accounts
    table: crm.accounts
    primary_key: [id]
    description: Customer accounts
    dimensions:
      - name: region
        description: Sales region
  - name: orders
    table: crm.orders
    primary_key: [id]
    dimensions:
      - name: ordered_at
        time_grains: [month, quarter, year]
    measures:
      - name: revenue
        agg: sum
        expr: amount
      - name: order_count
        agg: count
      - name: units
        agg: sum
        expr: qty
  - name: salaries
    table: hr.salaries
    primary_key: [id]
    measures:
      - name: payroll
        agg: sum
        expr: salary
relationships:
  - name: order_account
    from: orders
    to: accounts
    kind: many_to_one
    on: { account_id: id }
metrics:
  - name: revenue
    kind: simple
    measure: orders.revenue
  - name: order_count
    kind: simple
    measure: orders.order_count
  - name: units_sold
    kind: simple
    measure: orders.units
  - name: avg_order_value
    kind: ratio
    numerator: revenue
    denominator: order_count
  - name: payroll
    kind: simple
    measure: salaries.payroll
synonyms:
  - phrase: top selling
    order_by: { metric: units_sold, direction: desc }
`;

export interface MetricCase {
  who: 'alice' | 'bob' | 'carol' | 'admin';
  request: Record<string, unknown>;
  /** The expected rows, as SQL over the raw tables crm_accounts, crm_orders, hr_salaries. */
  expectedSql?: string;
  /** Refused: the tool error text matches. */
  refused?: RegExp;
}

export const metricExpectations: { metricNames: string[]; cases: MetricCase[] } = {
  metricNames: ['avg_order_value', 'order_count', 'payroll', 'revenue', 'units_sold'],
  cases: [
    {
      who: 'alice',
      request: {
        metrics: ['revenue', 'order_count'],
        by: ['accounts.region'],
        where: "accounts.region = 'west'",
      },
      expectedSql: `SELECT a.region, sum(o.amount), count(*) FROM crm_orders o JOIN crm_accounts a ON a.id = o.account_id
        WHERE a.region = 'west' GROUP BY a.region`,
    },
    {
      // bob sees every account's region, and only the orders with qty > 2.
      who: 'bob',
      request: {
        metrics: ['revenue', 'order_count'],
        by: ['accounts.region'],
        where: "accounts.region = 'west'",
      },
      expectedSql: `SELECT a.region, sum(o.amount), count(*) FROM crm_orders o JOIN crm_accounts a ON a.id = o.account_id
        WHERE a.region = 'west' AND o.qty > 2 GROUP BY a.region`,
    },
    {
      // "top selling" orders by units sold, most first. alice reads every order, but only the west
      // accounts: the orders of other accounts meet no account row and have no region (NULL).
      who: 'alice',
      request: { metrics: ['units_sold'], by: ['accounts.region'], order_by: ['top selling'] },
      expectedSql: `SELECT a.region, sum(o.qty) AS units FROM crm_orders o
        LEFT JOIN (SELECT * FROM crm_accounts WHERE region = 'west') a ON a.id = o.account_id
        GROUP BY a.region ORDER BY units DESC`,
    },
    {
      who: 'carol',
      request: { metrics: ['revenue'] },
      refused: /^denied: .*crm\.orders does not exist or carol may not read it/,
    },
    {
      who: 'alice',
      request: { metrics: ['payroll'] },
      refused: /^denied: .*hr\.salaries does not exist or alice may not read it/,
    },
    { who: 'alice', request: { metrics: ['profit'] }, refused: /^invalid: .*profit/ },
  ],
};
