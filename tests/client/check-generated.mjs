// Fails when a generated client types something as `unknown` or `any`.
// Every value in this spec has a schema, so in the generators' type and
// schema files such a token means a generator could not read one (e.g.
// openapi-typescript's `Priority & unknown`, orval's `.and(zod.unknown())`
// for an `allOf` wrapper around a `$ref`). Tokens are read with TypeScript's
// own scanner, so words in comments and strings do not count.
//
// Usage: node check-generated.mjs FILE...
import { readFileSync } from 'node:fs';

import ts from 'typescript';

// The places a generator writes `unknown` for something the spec gives no
// JSON schema on purpose: openapi-typescript's response-header map, whose
// undeclared headers have no schema; orval's zod for a 304, which has no
// body; and orval's zod for the event stream, which is `text/event-stream`
// (one JSON `Change` per event, not one JSON document).
const allowed = [
  /^\s*\[name: string\]: unknown;$/,
  /^export const \w+304Response = zod\.unknown\(\)$/,
  /^export const StreamChanges200Response = zod\.unknown\(\)$/,
];

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node check-generated.mjs FILE...');
  process.exit(2);
}

/** Each `unknown`/`any` token of a TypeScript source, with its line. */
function* untypedTokens(text) {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  // Brace depths at which a template literal resumes after `${ ... }`.
  const templates = [];
  let depth = 0;
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.OpenBraceToken) depth += 1;
    if (kind === ts.SyntaxKind.CloseBraceToken) {
      if (templates.at(-1) === depth) {
        templates.pop();
        kind = scanner.reScanTemplateToken(false);
      } else {
        depth -= 1;
      }
    }
    if (kind === ts.SyntaxKind.TemplateHead || kind === ts.SyntaxKind.TemplateMiddle) {
      templates.push(depth);
    }
    const word = scanner.getTokenText();
    if (word === 'unknown' || word === 'any') {
      yield { word, line: text.slice(0, scanner.getTokenStart()).split('\n').length };
    }
  }
}

let found = 0;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  for (const { word, line } of untypedTokens(text)) {
    const source = lines[line - 1] ?? '';
    if (allowed.some((pattern) => pattern.test(source))) continue;
    found += 1;
    console.error(`${file}:${line}: \`${word}\`: ${source.trim().slice(0, 160)}`);
  }
}
if (found > 0) {
  console.error(`${found} untyped place(s) in the generated clients`);
  process.exit(1);
}
console.log(`no \`unknown\` or \`any\` in ${files.length} generated file(s)`);
