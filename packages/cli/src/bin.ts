// The `lake` executable's entry (bundled to packages/cli/dist/lake.js by scripts/build.mjs); the
// program itself is in main.ts, which other tools (scripts/gen-reference.mjs) import without running.
import { main } from './main.js';

await main(process.argv);
