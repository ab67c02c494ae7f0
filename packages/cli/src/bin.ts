// The `lake` executable's entry (bundled to packages/cli/dist/lake.js by scripts/build.mjs); the
// program itself is in main.ts, which other tools (scripts/gen-reference.mjs) import without running.
import { main } from './main.js';

// A reader that stopped reading (`lake table list | head`) is not an error: stop quietly, as Unix
// tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

await main(process.argv);
