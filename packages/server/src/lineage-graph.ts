/**
 * The lineage graph of a catalog from its stored OpenLineage run events: an edge from each input
 * dataset of an event to each of its outputs (table level), with the output columns each input
 * column feeds when the event carries the `columnLineage` facet (column level). Datasets are
 * `(namespace, name)`; Lakekit tables are the datasets named `ns.table`.
 */

export interface DatasetRef {
  namespace: string;
  name: string;
}

export interface ColumnEdge {
  /** The output column. */
  column: string;
  /** The columns of the edge's input dataset it is derived from. */
  from: string[];
  transformationType?: string;
}

export interface LineageEdge {
  from: DatasetRef;
  to: DatasetRef;
  /** Jobs (`namespace/name`) that moved data along this edge. */
  jobs: string[];
  columns: ColumnEdge[];
}

export interface LineageNode extends DatasetRef {
  /** Hops from the table asked about. */
  depth: number;
}

const keyOf = (d: DatasetRef) => `${d.namespace}\u0000${d.name}`;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const asDataset = (v: unknown): DatasetRef | undefined =>
  isObj(v) && typeof v['namespace'] === 'string' && typeof v['name'] === 'string'
    ? { namespace: v['namespace'], name: v['name'] }
    : undefined;

/** Column lineage of one output: output column → input fields. */
function columnFields(
  output: Obj,
): Map<string, { inputs: (DatasetRef & { field: string })[]; type?: string }> {
  const fields =
    isObj(output['facets']) && isObj(output['facets']['columnLineage'])
      ? output['facets']['columnLineage']['fields']
      : undefined;
  const out = new Map<string, { inputs: (DatasetRef & { field: string })[]; type?: string }>();
  if (!isObj(fields)) return out;
  for (const [column, spec] of Object.entries(fields)) {
    if (!isObj(spec) || !Array.isArray(spec['inputFields'])) continue;
    const inputs = spec['inputFields'].flatMap((f) => {
      const d = asDataset(f);
      return d && isObj(f) && typeof f['field'] === 'string' ? [{ ...d, field: f['field'] }] : [];
    });
    out.set(column, {
      inputs,
      ...(typeof spec['transformationType'] === 'string' ? { type: spec['transformationType'] } : {}),
    });
  }
  return out;
}

/** Every edge of the events (later events refine the column mapping of earlier ones). */
export function lineageEdges(events: readonly unknown[]): LineageEdge[] {
  const edges = new Map<string, LineageEdge & { byColumn: Map<string, ColumnEdge> }>();
  const edge = (from: DatasetRef, to: DatasetRef) => {
    const k = `${keyOf(from)}\u0001${keyOf(to)}`;
    let e = edges.get(k);
    if (!e) {
      e = { from, to, jobs: [], columns: [], byColumn: new Map() };
      edges.set(k, e);
    }
    return e;
  };
  for (const ev of events) {
    if (!isObj(ev)) continue;
    const job = isObj(ev['job'])
      ? `${String(ev['job']['namespace'])}/${String(ev['job']['name'])}`
      : 'unknown';
    const inputs = (Array.isArray(ev['inputs']) ? ev['inputs'] : []).flatMap((d) => asDataset(d) ?? []);
    for (const o of Array.isArray(ev['outputs']) ? ev['outputs'] : []) {
      const to = asDataset(o);
      if (!to || !isObj(o)) continue;
      const columns = columnFields(o);
      const sources = new Map(inputs.map((d) => [keyOf(d), d]));
      for (const c of columns.values())
        for (const f of c.inputs) sources.set(keyOf(f), { namespace: f.namespace, name: f.name });
      for (const from of sources.values()) {
        const e = edge(from, to);
        if (!e.jobs.includes(job)) e.jobs.push(job);
        for (const [column, c] of columns) {
          const mine = c.inputs.filter((f) => keyOf(f) === keyOf(from)).map((f) => f.field);
          if (mine.length > 0) {
            e.byColumn.set(column, { column, from: mine, ...(c.type ? { transformationType: c.type } : {}) });
          }
        }
      }
    }
  }
  return [...edges.values()].map(({ byColumn, ...e }) => ({ ...e, columns: [...byColumn.values()] }));
}

/**
 * The part of the graph within `depth` hops of the datasets named `name`: its ancestors (upstream),
 * its descendants (downstream) or both (not the other inputs of its descendants). `allowed` decides
 * whether a dataset may be shown (and walked through).
 */
export async function walkLineage(
  edges: readonly LineageEdge[],
  name: string,
  o: {
    direction: 'upstream' | 'downstream' | 'both';
    depth: number;
    allowed: (d: DatasetRef) => Promise<boolean>;
  },
): Promise<{ nodes: LineageNode[]; edges: LineageEdge[] }> {
  const roots = new Map<string, DatasetRef>();
  for (const e of edges) for (const d of [e.from, e.to]) if (d.name === name) roots.set(keyOf(d), d);
  const nodes = new Map<string, LineageNode>([...roots].map(([k, d]) => [k, { ...d, depth: 0 }]));
  const kept = new Set<LineageEdge>();
  const verdicts = new Map<string, Promise<boolean>>();
  const ok = (d: DatasetRef) => {
    let v = verdicts.get(keyOf(d));
    if (!v) {
      v = o.allowed(d);
      verdicts.set(keyOf(d), v);
    }
    return v;
  };
  const walk = async (up: boolean) => {
    const reached = new Set(roots.keys());
    let frontier = [...roots.values()];
    for (let depth = 1; depth <= o.depth && frontier.length > 0; depth++) {
      const next: DatasetRef[] = [];
      for (const d of frontier) {
        for (const e of edges) {
          if (keyOf(up ? e.to : e.from) !== keyOf(d)) continue;
          const other = up ? e.from : e.to;
          if (!(await ok(other))) continue;
          kept.add(e);
          const k = keyOf(other);
          if (reached.has(k)) continue;
          reached.add(k);
          next.push(other);
          const known = nodes.get(k);
          if (!known || known.depth > depth) nodes.set(k, { ...other, depth });
        }
      }
      frontier = next;
    }
  };
  if (o.direction !== 'downstream') await walk(true);
  if (o.direction !== 'upstream') await walk(false);
  return { nodes: [...nodes.values()], edges: [...kept] };
}
