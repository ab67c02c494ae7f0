/**
 * Lineage of a table from the OpenLineage run events pipelines store in the catalog
 * (`catalog.operations.listLineage()`): the table-level upstream and downstream graph to a depth,
 * column-level edges from the `columnLineage` facet, rendered as text, Mermaid or Graphviz dot.
 * A dataset in the warehouse's namespace is a table of this catalog and is named `ns.table`; any
 * other dataset keeps its OpenLineage namespace (`postgres://host:5432/db`, credentials removed).
 */

/** A dataset of the graph. */
export interface LineageNode {
  /** Unique: `ns.table` for tables of this catalog, else `<namespace>/<name>`. */
  id: string;
  namespace: string;
  name: string;
  /** A table of this catalog (its namespace is the warehouse, or it was written by a run). */
  table: boolean;
}

/** A node of a graph around one table: hops from that table (0 for the table itself). */
export interface LineageGraphNode extends LineageNode {
  depth: number;
}

/** Data flowed from `from` to `to` in runs of these jobs. */
export interface LineageEdge {
  from: string;
  to: string;
  jobs: string[];
  lastEventTime: string;
}

/** `to.column` was derived from `from.field`. */
export interface ColumnLineageEdge {
  from: string;
  fromColumn: string;
  to: string;
  toColumn: string;
  transformation?: string;
}

export type LineageDirection = 'up' | 'down' | 'both';

/** The part of the lineage graph around one table. */
export interface LineageGraph {
  root: string;
  direction: LineageDirection;
  depth: number;
  nodes: LineageGraphNode[];
  edges: LineageEdge[];
  columns: ColumnLineageEdge[];
}

interface OlDataset {
  namespace?: string;
  name?: string;
  facets?: {
    columnLineage?: { fields?: Record<string, { inputFields?: OlField[]; transformationType?: string }> };
  };
}
interface OlField {
  namespace?: string;
  name?: string;
  field?: string;
}
interface OlEvent {
  eventType?: string;
  eventTime?: string;
  job?: { name?: string };
  inputs?: OlDataset[];
  outputs?: OlDataset[];
}

/** Every dataset and edge found in the events (the whole graph, before focusing on a table). */
function collect(events: readonly unknown[], warehouse?: string) {
  const tableNamespaces = new Set<string>(warehouse ? [warehouse.replace(/\/+$/, '')] : []);
  for (const e of events as OlEvent[]) {
    for (const o of e.outputs ?? []) if (o.namespace) tableNamespaces.add(o.namespace.replace(/\/+$/, ''));
  }
  const nodes = new Map<string, LineageNode>();
  const node = (namespace = '', name = ''): LineageNode => {
    const ns = namespace.replace(/\/+$/, '');
    const table = tableNamespaces.has(ns);
    const id = table ? name : `${ns}/${name}`;
    let n = nodes.get(id);
    if (!n) {
      n = { id, namespace: ns, name, table };
      nodes.set(id, n);
    }
    return n;
  };
  const edges = new Map<string, LineageEdge>();
  const columns = new Map<string, ColumnLineageEdge>();
  for (const e of events as OlEvent[]) {
    if (e.eventType === 'START') continue;
    const job = e.job?.name ?? '?';
    const time = e.eventTime ?? '';
    for (const o of e.outputs ?? []) {
      const to = node(o.namespace, o.name);
      // A run with several streams lists every input and output: an output's own inputs are the
      // datasets its column lineage names; without that facet, every input of the run counts.
      const key = (d: { namespace?: string; name?: string }) =>
        `${(d.namespace ?? '').replace(/\/+$/, '')}\u0000${d.name ?? ''}`;
      const own = new Set<string>();
      for (const f of Object.values(o.facets?.columnLineage?.fields ?? {}))
        for (const input of f.inputFields ?? []) own.add(key(input));
      const inputs = own.size === 0 ? (e.inputs ?? []) : (e.inputs ?? []).filter((i) => own.has(key(i)));
      for (const i of inputs) {
        const from = node(i.namespace, i.name);
        const key = `${from.id}\u0000${to.id}`;
        const edge = edges.get(key) ?? { from: from.id, to: to.id, jobs: [], lastEventTime: '' };
        if (!edge.jobs.includes(job)) edge.jobs = [...edge.jobs, job].sort();
        if (time > edge.lastEventTime) edge.lastEventTime = time;
        edges.set(key, edge);
      }
      for (const [column, f] of Object.entries(o.facets?.columnLineage?.fields ?? {})) {
        for (const input of f.inputFields ?? []) {
          const from = node(input.namespace, input.name);
          const c: ColumnLineageEdge = {
            from: from.id,
            fromColumn: input.field ?? '?',
            to: to.id,
            toColumn: column,
            ...(f.transformationType ? { transformation: f.transformationType } : {}),
          };
          columns.set(`${c.from}\u0000${c.fromColumn}\u0000${c.to}\u0000${c.toColumn}`, c);
        }
      }
    }
  }
  return { nodes, edges: [...edges.values()], columns: [...columns.values()] };
}

/**
 * The lineage of `table` (`ns.table`) to `depth` hops upstream, downstream or both, from OpenLineage
 * events (oldest first, as `listLineage` returns them). `warehouse` marks the catalog's own tables.
 * `allowed` decides whether a dataset may be shown — one that may not is neither shown nor walked
 * through (the HTTP API hides tables the caller may not see).
 */
export async function lineageGraph(
  events: readonly unknown[],
  table: string,
  options: {
    depth?: number;
    direction?: LineageDirection;
    warehouse?: string;
    allowed?: (node: LineageNode) => boolean | Promise<boolean>;
  } = {},
): Promise<LineageGraph> {
  const depth = options.depth ?? 3;
  const direction = options.direction ?? 'both';
  const all = collect(events, options.warehouse);
  const nodeOf = (id: string): LineageNode =>
    all.nodes.get(id) ?? { id, namespace: '', name: id, table: true };
  const depthOf = new Map<string, number>([[table, 0]]);
  const verdicts = new Map<string, boolean>();
  const allowed = async (id: string): Promise<boolean> => {
    if (!options.allowed) return true;
    let v = verdicts.get(id);
    if (v === undefined) {
      v = await options.allowed(nodeOf(id));
      verdicts.set(id, v);
    }
    return v;
  };
  const usedEdges = new Set<LineageEdge>();
  const walk = async (forward: boolean) => {
    const reached = new Set<string>([table]);
    let frontier = [table];
    for (let d = 1; d <= depth && frontier.length > 0; d++) {
      const next: string[] = [];
      for (const id of frontier) {
        for (const e of all.edges) {
          if ((forward ? e.from : e.to) !== id) continue;
          const other = forward ? e.to : e.from;
          if (!(await allowed(other))) continue;
          usedEdges.add(e);
          if ((depthOf.get(other) ?? Number.POSITIVE_INFINITY) > d) depthOf.set(other, d);
          if (reached.has(other)) continue;
          reached.add(other);
          next.push(other);
        }
      }
      frontier = next;
    }
  };
  if (direction !== 'down') await walk(false);
  if (direction !== 'up') await walk(true);
  const edges = all.edges.filter((e) => usedEdges.has(e));
  const edgeKeys = new Set(edges.map((e) => `${e.from}\u0000${e.to}`));
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return {
    root: table,
    direction,
    depth,
    nodes: [...depthOf].map(([id, d]) => ({ ...nodeOf(id), depth: d })).sort(byId),
    edges,
    columns: all.columns.filter((c) => edgeKeys.has(`${c.from}\u0000${c.to}`)),
  };
}

/** The graph as indented trees (upstream with ←, downstream with →) and column edges. */
export function renderLineageText(g: LineageGraph): string {
  const lines = [g.root];
  const tree = (forward: boolean, title: string) => {
    const out: string[] = [];
    const visit = (id: string, level: number, path: Set<string>) => {
      if (level > g.depth) return;
      for (const e of g.edges) {
        if ((forward ? e.from : e.to) !== id) continue;
        const other = forward ? e.to : e.from;
        const seen = path.has(other);
        out.push(
          `${'  '.repeat(level)}${forward ? '→' : '←'} ${other}  (${e.jobs.join(', ')})${seen ? ' [cycle]' : ''}`,
        );
        if (!seen) visit(other, level + 1, new Set([...path, other]));
      }
    };
    visit(g.root, 1, new Set([g.root]));
    lines.push(`${title}:`, ...(out.length > 0 ? out : ['  (none recorded)']));
  };
  if (g.direction !== 'down') tree(false, 'upstream');
  if (g.direction !== 'up') tree(true, 'downstream');
  if (g.columns.length > 0) {
    lines.push('columns:');
    for (const c of g.columns) {
      lines.push(
        `  ${c.to}.${c.toColumn} ← ${c.from}.${c.fromColumn}${c.transformation ? ` (${c.transformation})` : ''}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The graph as a Mermaid flowchart (left to right; the table itself highlighted). */
export function renderLineageMermaid(g: LineageGraph): string {
  const ids = new Map(g.nodes.map((n, i) => [n.id, `n${i}`]));
  const label = (s: string) => s.replaceAll('"', '#quot;');
  const lines = ['flowchart LR'];
  for (const n of g.nodes) lines.push(`  ${ids.get(n.id)}["${label(n.id)}"]`);
  for (const e of g.edges)
    lines.push(`  ${ids.get(e.from)} -->|"${label(e.jobs.join(', '))}"| ${ids.get(e.to)}`);
  lines.push(`  style ${ids.get(g.root)} stroke-width:3px`);
  return `${lines.join('\n')}\n`;
}

/** The graph in Graphviz dot (left to right; the table itself in bold). */
export function renderLineageDot(g: LineageGraph): string {
  const q = (s: string) => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  const lines = ['digraph lineage {', '  rankdir=LR;', '  node [shape=box];'];
  for (const n of g.nodes) {
    lines.push(`  ${q(n.id)}${n.id === g.root ? ' [style=bold]' : n.table ? '' : ' [style=dashed]'};`);
  }
  for (const e of g.edges) lines.push(`  ${q(e.from)} -> ${q(e.to)} [label=${q(e.jobs.join(', '))}];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
