/**
 * A direct evaluator for the Handlebars expressions derived defaults use (text, paths, helper
 * calls, sub-expressions, literals — no blocks or partials). Compiling each short string to a
 * JavaScript function costs far more than walking its parsed form once, and derived defaults are
 * evaluated once per package per render. Anything outside this subset is compiled as before.
 */
import Handlebars from './hbs.js';
import { HELPERS } from './helpers.js';

type Node = hbs.AST.Node;
type Expression = hbs.AST.Expression;

/** A located problem, turned into the engine's message by the caller. */
export class InterpretError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** A helper as registered on the engine: `this` is the context, the last argument the options. */
export type RegisteredHelper = (this: unknown, ...args: unknown[]) => unknown;

/** A parsed derived default that the interpreter can evaluate. */
export interface Interpretable {
  program: hbs.AST.Program;
  /** The whole string is one expression: its value keeps its type. */
  single: boolean;
}

function expressionOk(node: Node): boolean {
  switch (node.type) {
    case 'PathExpression': {
      const path = node as hbs.AST.PathExpression;
      return path.depth === 0 && !path.parts.some((p) => p === '..' || p === '.');
    }
    case 'StringLiteral':
    case 'NumberLiteral':
    case 'BooleanLiteral':
    case 'UndefinedLiteral':
    case 'NullLiteral':
      return true;
    case 'SubExpression':
      return callOk(node as hbs.AST.SubExpression);
    default:
      return false;
  }
}

function callOk(node: { path: Node; params: Expression[]; hash?: hbs.AST.Hash }): boolean {
  const hasArgs = node.params.length > 0 || (node.hash?.pairs.length ?? 0) > 0;
  if (node.path.type !== 'PathExpression') return false;
  const name = (node.path as hbs.AST.PathExpression).original;
  if (hasArgs || Object.prototype.hasOwnProperty.call(HELPERS, name)) {
    if (!Object.prototype.hasOwnProperty.call(HELPERS, name)) return false;
  } else if (!expressionOk(node.path)) return false;
  return node.params.every(expressionOk) && (node.hash?.pairs ?? []).every((p) => expressionOk(p.value));
}

/** Parses a derived default and says whether the interpreter covers it. */
export function prepare(text: string): Interpretable | undefined {
  let program: hbs.AST.Program;
  try {
    program = Handlebars.parse(text);
  } catch {
    return undefined;
  }
  let mustaches = 0;
  let meaningfulText = false;
  for (const statement of program.body) {
    if (statement.type === 'MustacheStatement') {
      mustaches += 1;
      if (!callOk(statement as hbs.AST.MustacheStatement)) return undefined;
    } else if (statement.type === 'ContentStatement') {
      if ((statement as hbs.AST.ContentStatement).value.trim() !== '') meaningfulText = true;
    } else if (statement.type !== 'CommentStatement') return undefined;
  }
  return { program, single: mustaches === 1 && !meaningfulText };
}

/** Evaluates a prepared derived default like the compiled template would (strict, no escaping). */
export function interpret(
  prepared: Interpretable,
  context: unknown,
  data: Record<string, unknown>,
  helpers: Record<string, RegisteredHelper>,
): unknown {
  const lookup = (path: hbs.AST.PathExpression, strict: boolean): unknown => {
    let current: unknown = path.data ? data : context;
    for (const [i, part] of path.parts.entries()) {
      const owner = current;
      const has =
        typeof owner === 'object' && owner !== null && Object.prototype.hasOwnProperty.call(owner, part);
      if (!has) {
        if (strict || owner === undefined || owner === null) {
          const missing = path.parts.slice(0, i + 1).join('.');
          const full = path.parts.join('.');
          throw new InterpretError(
            missing === full
              ? `missing variable "${full}"`
              : `missing variable "${full}" ("${missing}" is not defined)`,
            path.loc.start.line,
          );
        }
        return undefined;
      }
      current = (owner as Record<string, unknown>)[part];
    }
    return current;
  };
  const call = (node: {
    path: Node;
    params: Expression[];
    hash?: hbs.AST.Hash;
    loc: hbs.AST.SourceLocation;
  }): unknown => {
    const name = (node.path as hbs.AST.PathExpression).original;
    const hash: Record<string, unknown> = {};
    for (const pair of node.hash?.pairs ?? []) hash[pair.key] = value(pair.value);
    const args = node.params.map(value);
    const helper = helpers[name] as RegisteredHelper;
    return helper.call(context, ...args, { name, hash, data, loc: node.loc });
  };
  const value = (node: Node): unknown => {
    switch (node.type) {
      case 'PathExpression':
        return lookup(node as hbs.AST.PathExpression, false);
      case 'SubExpression':
        return call(node as hbs.AST.SubExpression);
      case 'StringLiteral':
      case 'NumberLiteral':
      case 'BooleanLiteral':
        return (node as hbs.AST.StringLiteral).value;
      case 'NullLiteral':
        return null;
      default:
        return undefined;
    }
  };
  const mustache = (node: hbs.AST.MustacheStatement): unknown => {
    const hasArgs = node.params.length > 0 || (node.hash?.pairs.length ?? 0) > 0;
    const name = (node.path as hbs.AST.PathExpression).original;
    if (hasArgs || Object.prototype.hasOwnProperty.call(HELPERS, name)) return call(node);
    return lookup(node.path as hbs.AST.PathExpression, true);
  };
  if (prepared.single) {
    const only = prepared.program.body.find(
      (s) => s.type === 'MustacheStatement',
    ) as hbs.AST.MustacheStatement;
    return mustache(only);
  }
  let out = '';
  for (const statement of prepared.program.body) {
    if (statement.type === 'ContentStatement') out += (statement as hbs.AST.ContentStatement).value;
    else if (statement.type === 'MustacheStatement') {
      const v = mustache(statement as hbs.AST.MustacheStatement);
      out += v === undefined || v === null ? '' : String(v);
    }
  }
  return out;
}
