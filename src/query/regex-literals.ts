// Texts every match of a regular expression contains, for the prefilter (needles.ts): a `/=`
// clause can then demand them of the raw line before anything is parsed, while the exact test
// stays RE2 on the parsed field value.
//
// Soundness over reach: the pattern is read as a sequence of atoms at its top level; a run of
// literal characters, none made optional by a quantifier, is a text every match holds. Anything
// not understood for certain (escapes such as \d or \x41, classes, groups, `.`, anchors) ends a
// run; what cannot be skipped safely (a class starting with `]`, a nested class, an unknown
// escape) ends the reading, and then a `|` anywhere in the pattern (it may be a top-level
// alternation) voids everything. A top-level `|` voids everything too, and so does any inline
// flag group naming `i` (case folding: the text may be written in another case).

/** Literal runs required by every match of the RE2 pattern; [] when none is certain. */
export function requiredLiterals(pattern: string): string[] {
  if (/\(\?[^)]*i/.test(pattern)) return [];
  const read = readRuns(pattern);
  if (read.alternation || (!read.complete && pattern.includes('|'))) return [];
  return read.runs.filter((r) => r !== '');
}

interface Reading {
  runs: string[];
  /** The whole pattern was read. */
  complete: boolean;
  /** A `|` at the top level. */
  alternation: boolean;
}

function readRuns(p: string): Reading {
  const runs: string[] = [];
  let run = '';
  /** The last atom was a literal character, the last of `run`. */
  let literal = false;
  const cut = (): void => {
    runs.push(run);
    run = '';
    literal = false;
  };
  const stop = (): Reading => (cut(), { runs, complete: false, alternation: false });
  for (let i = 0; i < p.length; ) {
    const c = p[i]!;
    if (c === '|') return { runs, complete: true, alternation: true };
    if (c === '*' || c === '?' || c === '{') {
      // The previous atom may be absent (or, `{n,m}`, repeated: not a run with its neighbours).
      if (literal) run = run.slice(0, -1);
      cut();
      const end = c === '{' ? quantifierEnd(p, i) : i + 1;
      if (end < 0) return stop();
      i = end;
      if (p[i] === '?') i++; // lazy
      continue;
    }
    if (c === '+') {
      // Present, but maybe repeated: it ends the run it closes.
      cut();
      i++;
      if (p[i] === '?') i++;
      continue;
    }
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined || /[A-Za-z0-9]/.test(n)) return stop();
      run += n;
      literal = true;
      i += 2;
      continue;
    }
    if (c === '[' || c === '(') {
      // A class or a group: not a literal run (its extent must be certain to read on after it).
      const end = c === '[' ? classEnd(p, i) : groupEnd(p, i);
      if (end < 0) return stop();
      cut();
      i = end;
      continue;
    }
    if (c === '.' || c === '^' || c === '$' || c === ')' || c === ']' || c === '}') {
      cut();
      i++;
      continue;
    }
    run += c;
    literal = true;
    i++;
  }
  cut();
  return { runs, complete: true, alternation: false };
}

/** The index after `{n}`, `{n,}` or `{n,m}` at i, or -1. */
function quantifierEnd(p: string, i: number): number {
  const m = /^\{\d+(,\d*)?\}/.exec(p.slice(i));
  return m ? i + m[0].length : -1;
}

/** The index after the class opening at i, or -1 when its extent is not certain. */
function classEnd(p: string, i: number): number {
  let j = i + 1;
  if (p[j] === '^') j++;
  // `[]...]` and `[^]...]` mean different things in different dialects.
  if (p[j] === ']') return -1;
  for (; j < p.length; j++) {
    const c = p[j]!;
    if (c === '\\') j++;
    else if (c === '[') return -1; // POSIX or nested classes
    else if (c === ']') return j + 1;
  }
  return -1;
}

/** The index after the group opening at i (nested groups, escapes and classes skipped), or -1. */
function groupEnd(p: string, i: number): number {
  let depth = 0;
  for (let j = i; j < p.length; j++) {
    const c = p[j]!;
    if (c === '\\') j++;
    else if (c === '[') {
      const end = classEnd(p, j);
      if (end < 0) return -1;
      j = end - 1;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return j + 1;
  }
  return -1;
}
