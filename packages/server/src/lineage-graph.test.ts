import { describe, expect, it } from 'vitest';
import { lineageEdges, walkLineage } from './lineage-graph.js';

const ds = (name: string, namespace = 'wh') => ({ namespace, name });
const event = (
  job: string,
  inputs: string[],
  output: string,
  columns: Record<string, [string, string][]> = {},
) => ({
  eventType: 'COMPLETE',
  job: { namespace: 'ns', name: job },
  inputs: inputs.map((n) => ds(n)),
  outputs: [
    {
      ...ds(output),
      facets: {
        columnLineage: {
          fields: Object.fromEntries(
            Object.entries(columns).map(([c, from]) => [
              c,
              { inputFields: from.map(([n, f]) => ({ ...ds(n), field: f })) },
            ]),
          ),
        },
      },
    },
  ],
});

describe('lineage graph', () => {
  // src → a → b; other → b; b → c
  const edges = lineageEdges([
    event('load', ['src'], 'a', { id: [['src', 'id']], email: [['src', 'mail']] }),
    event('join', ['a', 'other'], 'b'),
    event('publish', ['b'], 'c'),
  ]);
  const all = async () => true;
  const names = (g: { nodes: { name: string }[] }) => g.nodes.map((n) => n.name).sort();

  it('keeps column edges from the columnLineage facet', () => {
    const e = edges.find((x) => x.from.name === 'src' && x.to.name === 'a')!;
    expect(e.jobs).toEqual(['ns/load']);
    expect(e.columns).toEqual([
      { column: 'id', from: ['id'] },
      { column: 'email', from: ['mail'] },
    ]);
  });

  it('walks upstream and downstream to a depth, without the siblings of descendants', async () => {
    expect(names(await walkLineage(edges, 'a', { direction: 'upstream', depth: 5, allowed: all }))).toEqual([
      'a',
      'src',
    ]);
    expect(names(await walkLineage(edges, 'a', { direction: 'downstream', depth: 1, allowed: all }))).toEqual(
      ['a', 'b'],
    );
    expect(names(await walkLineage(edges, 'a', { direction: 'both', depth: 5, allowed: all }))).toEqual([
      'a',
      'b',
      'c',
      'src',
    ]);
    const c = await walkLineage(edges, 'c', { direction: 'upstream', depth: 5, allowed: all });
    expect(c.nodes.find((n) => n.name === 'src')!.depth).toBe(3);
  });

  it('does not show or walk through datasets that are not allowed', async () => {
    const g = await walkLineage(edges, 'a', {
      direction: 'downstream',
      depth: 5,
      allowed: async (d) => d.name !== 'b',
    });
    expect(names(g)).toEqual(['a']);
    expect(g.edges).toEqual([]);
  });
});
