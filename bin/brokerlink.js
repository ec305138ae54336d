#!/usr/bin/env node
// Entry point of the `brokerlink` CLI. The sources are TypeScript run by Node 22's type stripping, so this
// needs Node >= 22.18 (npm scripts and `npx brokerlink` get it from the `node` devDependency).
import { main } from '../cli/main.ts';

process.exitCode = await main(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  raw: (bytes) => process.stdout.write(bytes),
});
