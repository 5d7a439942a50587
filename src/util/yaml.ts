/**
 * The one YAML parser: js-yaml with the YAML 1.2 core schema (no timestamps, no merge keys,
 * duplicate keys rejected), so a value means the same in a manifest, a parameter file, a --set
 * flag, the lockfile or a kubeconfig. Chosen by measurement (`bench/yaml.ts`): it parses the
 * whole rendered stack 14-18 times faster than `yaml`. `yaml` stays only as an emitter, where its
 * output format is what users and golden files already see (see the comments at its imports).
 * Parsers share aliased nodes; callers that copy what they parse bound the expansion with
 * src/package/yaml-limits.ts.
 */
import { CORE_SCHEMA, load, loadAll } from 'js-yaml';

/** One document; `file` names the source in error messages. Syntax errors throw js-yaml's YAMLException. */
export function parseYaml(text: string, file?: string): unknown {
  return load(text, { schema: CORE_SCHEMA, ...(file ? { filename: file } : {}) });
}

/** Every document of a multi-document text. */
export function parseYamlDocuments(text: string, file?: string): unknown[] {
  return loadAll(text, undefined, { schema: CORE_SCHEMA, ...(file ? { filename: file } : {}) });
}
