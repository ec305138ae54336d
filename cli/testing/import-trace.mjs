// Test and benchmark support: `node --import ./cli/testing/import-trace.mjs …` appends every module URL the
// process resolves to the file named by BROKERLINK_IMPORT_TRACE, one per line (module hooks run on their own
// thread, so they write the file themselves). Used to show which dependencies a CLI command loads.
import { register } from 'node:module';

const file = process.env.BROKERLINK_IMPORT_TRACE;
if (file) {
  const hooks = `
    import { appendFileSync } from 'node:fs';
    export async function resolve(specifier, context, next) {
      const result = await next(specifier, context);
      appendFileSync(${JSON.stringify(file)}, result.url + '\\n');
      return result;
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
