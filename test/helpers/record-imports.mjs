// Preloaded with `node --import` in tests: records every module URL the process resolves into the
// file named by STACKANETES_RECORD_IMPORTS, so a test can prove what a command did not load.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
      import { appendFileSync } from 'node:fs';
      export async function resolve(specifier, context, next) {
        const result = await next(specifier, context);
        appendFileSync(process.env.STACKANETES_RECORD_IMPORTS, result.url + '\\n');
        return result;
      }`),
);
