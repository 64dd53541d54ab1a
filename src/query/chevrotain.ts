// Chevrotain, loaded from the single-file ESM bundle the package ships (lib/chevrotain.mjs) rather
// than from its package entry, which pulls in some 600 lodash-es modules: about 15 ms instead of
// 100-300 ms at the start of every `prec -q`. Same package, same version; the types are the
// package's. Falls back to the package entry if a future layout has no bundle.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Chevrotain from 'chevrotain';

async function load(): Promise<typeof Chevrotain> {
  try {
    const entry = createRequire(import.meta.url).resolve('chevrotain'); // .../chevrotain/lib/src/api.js
    const bundle = join(dirname(entry), '..', 'chevrotain.mjs');
    if (existsSync(bundle)) return (await import(pathToFileURL(bundle).href)) as typeof Chevrotain;
  } catch {
    // resolution differs: use the package entry
  }
  return import('chevrotain');
}

const chevrotain = await load();

export const { createToken, EmbeddedActionsParser, EOF, Lexer, tokenMatcher } = chevrotain;
export type { IRecognitionException, IToken, TokenType } from 'chevrotain';
