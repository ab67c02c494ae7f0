// Bundles the `lake` CLI into packages/cli/dist with esbuild. Workspace packages (TypeScript) are
// bundled; registry packages stay external (loaded lazily where heavy, so start-up stays fast) and
// must be dependencies of @lakekit/cli, which this build checks, so the bundle resolves them.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
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

const result = await build({
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
  metafile: true,
  logLevel: 'warning',
});

const packageName = (spec) =>
  spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
const builtins = new Set(builtinModules);
const cliDeps = JSON.parse(readFileSync('packages/cli/package.json', 'utf8')).dependencies ?? {};
const missing = new Set();
for (const output of Object.values(result.metafile.outputs)) {
  for (const imp of output.imports) {
    if (!imp.external || imp.path.startsWith('node:') || builtins.has(imp.path)) continue;
    const name = packageName(imp.path);
    if (!(name in cliDeps)) missing.add(name);
  }
}
if (missing.size > 0) {
  console.error(
    `build: the bundled CLI imports ${[...missing].join(', ')}: add them to packages/cli/package.json dependencies`,
  );
  process.exit(1);
}
