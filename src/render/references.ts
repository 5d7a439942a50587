/**
 * Which variables a template or derived default reads, found from the Handlebars AST. Derived
 * defaults use it to evaluate in dependency order (and to report cycles); lint uses it to find
 * parameters nothing reads.
 */
import Handlebars from './hbs.js';
import { HELPER_NAMES } from './helpers.js';

const HELPERS = new Set(HELPER_NAMES);
const SCOPING = new Set(['each', 'with']);
const cache = new Map<string, string[][]>();

type Node = hbs.AST.Node;

/** Root-relative variable paths a template reads (`[['keystone', 'replicas'], …]`). Unparseable text gives []. */
export function collectReferences(text: string): string[][] {
  const cached = cache.get(text);
  if (cached) return cached;
  const out: string[][] = [];
  let program: hbs.AST.Program;
  try {
    program = Handlebars.parse(text);
  } catch {
    cache.set(text, out);
    return out;
  }
  const path = (node: hbs.AST.PathExpression, depth: number): void => {
    if (node.data) {
      if (node.parts[0] === 'root' && node.parts.length > 1) out.push(node.parts.slice(1));
      return;
    }
    // A path is root-relative when it climbs (`../`) out of every scoping block it sits in.
    if (node.depth === depth && node.parts.length > 0) out.push([...node.parts]);
  };
  const expr = (node: Node | undefined, depth: number): void => {
    if (!node) return;
    if (node.type === 'PathExpression') path(node as hbs.AST.PathExpression, depth);
    else if (node.type === 'SubExpression') call(node as hbs.AST.SubExpression, depth);
  };
  const call = (node: { path: Node; params: Node[]; hash?: hbs.AST.Hash }, depth: number): void => {
    const isCall =
      node.params.length > 0 ||
      (node.hash?.pairs.length ?? 0) > 0 ||
      (node.path.type === 'PathExpression' && HELPERS.has((node.path as hbs.AST.PathExpression).original));
    if (!isCall) expr(node.path, depth);
    for (const p of node.params) expr(p, depth);
    for (const pair of node.hash?.pairs ?? []) expr(pair.value, depth);
  };
  const walk = (prog: hbs.AST.Program | undefined, depth: number): void => {
    for (const statement of prog?.body ?? []) {
      switch (statement.type) {
        case 'MustacheStatement':
          call(statement as hbs.AST.MustacheStatement, depth);
          break;
        case 'BlockStatement': {
          const block = statement as hbs.AST.BlockStatement;
          call(block, depth);
          const name =
            block.path.type === 'PathExpression' ? (block.path as hbs.AST.PathExpression).original : '';
          walk(block.program, SCOPING.has(name) ? depth + 1 : depth);
          walk(block.inverse, depth);
          break;
        }
        case 'PartialStatement':
        case 'PartialBlockStatement': {
          const partial = statement as hbs.AST.PartialStatement;
          for (const p of partial.params) expr(p, depth);
          for (const pair of partial.hash?.pairs ?? []) expr(pair.value, depth);
          break;
        }
        default:
          break;
      }
    }
  };
  walk(program, 0);
  cache.set(text, out);
  return out;
}

/** True when one path is a prefix of the other (reading `a` reads `a.b`; reading `a.b.c` needs `a.b`). */
export function overlaps(a: readonly string[], b: readonly string[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}
