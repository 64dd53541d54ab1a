// Writes prec's shell completion, build/completion/prec.bash and build/completion/_prec, from the
// compiled commands and field catalogue (`just build` runs it; packaging/build-deb.sh installs them).
// Usage: node packaging/completion.mjs [OUTDIR]
import { writeCompletionFiles } from '../build/src/cli/completion.js';

writeCompletionFiles(process.argv[2] ?? 'build/completion');
