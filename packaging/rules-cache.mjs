// Compiles the shipped rules (rules/) into build/src/hunt/shipped-rules.json, which `prec hunt` reads
// instead of parsing every YAML file when it is current (src/hunt/cache.ts; `just build` runs this;
// packaging/build-deb.sh installs it).
import { writeShippedRules } from '../build/src/hunt/load.js';

writeShippedRules();
