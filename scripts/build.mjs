// Bundles the `lake` CLI into packages/cli/dist with esbuild. Workspace packages (TypeScript) are
// bundled; registry packages stay external and are imported lazily where heavy, so start-up stays fast.
import { build } from 'esbuild';

const externalRegistryPackages = {
  name: 'external-registry-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@lakekit/')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

await build({
  entryPoints: { lake: 'packages/cli/src/main.ts' },
  outdir: 'packages/cli/dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  conditions: ['source'],
  plugins: [externalRegistryPackages],
  logLevel: 'warning',
});
