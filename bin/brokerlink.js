#!/usr/bin/env node
// Entry point of the `brokerlink` CLI. The sources are TypeScript that Node runs by type stripping, which needs
// Node >= 22.18. This file is plain JavaScript that any Node can read: on an older Node (the system Node here is
// 20) it runs the CLI again on the project's own Node 22 — the `node` devDependency that `npm install` puts in
// node_modules — and otherwise says what to do. Arguments pass as argv, never through a shell.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const supported = major > 22 || (major === 22 && minor >= 18);

if (supported) {
  const { main } = await import('../cli/main.ts');
  process.exitCode = await main(process.argv.slice(2), {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    raw: (bytes) => process.stdout.write(bytes),
  });
} else {
  const node = process.env.BROKERLINK_REEXEC === undefined ? projectNode() : undefined;
  if (node === undefined) {
    const root = fileURLToPath(new URL('..', import.meta.url));
    process.stderr.write(
      `brokerlink needs Node.js 22.18 or later; this is Node ${process.version}.\n` +
        `Run "npm install" in ${root} (it installs the Node 22 brokerlink runs on) or install Node 22.\n`,
    );
    process.exitCode = 3;
  } else {
    const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
      stdio: 'inherit',
      env: { ...process.env, BROKERLINK_REEXEC: '1' },
    });
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
    child.on('error', (error) => {
      process.stderr.write(`brokerlink: cannot start ${node}: ${error.message}\n`);
      process.exitCode = 3;
    });
    child.on('exit', (code, signal) => {
      process.exitCode = code ?? (signal ? 128 : 1);
    });
  }
}

/** The Node 22 binary of the `node` package installed for this project, if there is one. */
function projectNode() {
  const candidates = [fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url))];
  try {
    candidates.push(join(dirname(createRequire(import.meta.url).resolve('node/package.json')), 'bin', 'node'));
  } catch {
    // not installed where Node's resolution finds it
  }
  return candidates.find((candidate) => existsSync(candidate));
}
