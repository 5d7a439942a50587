/**
 * Imports a module that is not part of the bundled CLI (an ES-module-only package such as
 * @kubernetes/client-node). In the bundle, code runs from a vm.Script whose functions may come from
 * a V8 code cache made in another process, where Node 20 loses the script's dynamic-import hook; so
 * the launcher passes an importer of its own (a plain module, unaffected), which the bundle's
 * wrapper exposes as `__stackanetesImport`. Unbundled, this is a plain `import()`.
 */
declare const __stackanetesImport: ((specifier: string) => Promise<unknown>) | undefined;

export function importExternal<T>(specifier: string): Promise<T> {
  return (
    typeof __stackanetesImport === 'function' ? __stackanetesImport(specifier) : import(specifier)
  ) as Promise<T>;
}
