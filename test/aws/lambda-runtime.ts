/*
 * A stand-in for the AWS Lambda `nodejs22.x` runtime, to run the packaged zips of `osls package` the way Lambda runs
 * them — not the repository's source. What a function gets, and nothing more:
 *  - its zip, unpacked into its own directory under a temporary root (the runtime's /var/task), as the cwd;
 *  - the AWS SDK v3 (`@aws-sdk/*`, `@smithy/*`, `@aws-crypto/*`: the runtime ships the whole SDK) on NODE_PATH, in a
 *    directory that holds nothing else. ES modules ignore NODE_PATH, so the bootstrap registers a resolve hook
 *    that tries NODE_PATH for a bare specifier not found beside the code — which is what Lambda's runtime does
 *    for ESM handlers. The project's node_modules is not reachable: a bundle that imports anything beyond the
 *    SDK fails here with ERR_MODULE_NOT_FOUND, as it would in Lambda;
 *  - the environment Lambda sets (AWS_REGION, credentials — dummy here, the function's Environment of the
 *    CloudFormation template, LAMBDA_TASK_ROOT, TZ, ...), plus AWS_ENDPOINT_URL pointing at a loopback endpoint;
 *  - name resolution as the VPC would give it, for the names the test declares (the fake NLB's DNS names);
 *  - one warm process per function (a container), invocations one at a time, the function's timeout enforced.
 * A thrown error reaches the caller as Lambda reports it to Step Functions: `errorType` = the error's name.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { REPO, run } from './osls.ts';

const SDK_SCOPES = ['@aws-sdk', '@smithy', '@aws-crypto'];

/**
 * A function error as Lambda reports it (Step Functions matches `name` = errorType in Retry/Catch). A plain Error on
 * purpose, not a class of brokerlink's: its name is whatever the function (or the Lambda sandbox) reported.
 */
export function lambdaFunctionError(errorType: string, message: string): Error & { errorType: string } {
  return Object.assign(new Error(message), { name: errorType, errorType });
}

export interface FunctionSpec {
  name: string;
  /** The unzipped package (the runtime's /var/task). */
  codeDir: string;
  /** `functions/aws/<name>.handler` */
  handler: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
}

export interface RuntimeOptions {
  /** Temporary root: the runtime's files go to `<root>/runtime`. */
  root: string;
  /** Loopback endpoint of every AWS service (AWS_ENDPOINT_URL). */
  endpoint: string;
  region: string;
  /** Host name → addresses, as the VPC's resolver would answer (a random order per lookup). */
  hosts: () => Record<string, string[]>;
}

export interface Invocation {
  function: string;
  event: unknown;
  ok: boolean;
  errorType?: string;
}

const BOOTSTRAP = `// Lambda runtime stand-in (test/aws/lambda-runtime.ts). Plain Node, no packages.
import dns from 'node:dns';
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

const nodePath = (process.env.NODE_PATH ?? '').split(':').filter(Boolean);
register(
  'data:text/javascript,' +
    encodeURIComponent(\`
      let paths = [];
      export function initialize(data) { paths = data.paths; }
      export async function resolve(specifier, context, next) {
        try { return await next(specifier, context); } catch (error) {
          const bare = !specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.includes(':');
          if (!bare || error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
          for (const path of paths) {
            try { return await next(specifier, { ...context, parentURL: path }); } catch {}
          }
          throw error;
        }
      }\`),
  import.meta.url,
  { data: { paths: nodePath.map((dir) => pathToFileURL(dir + '/index.js').href) } },
);

let hosts = {};
const originalLookup = dns.lookup;
function mapped(hostname) {
  const addresses = hosts[hostname];
  if (addresses === undefined || addresses.length === 0) return undefined;
  return [...addresses].sort(() => Math.random() - 0.5);
}
dns.lookup = function lookup(hostname, options, callback) {
  if (typeof options === 'function') { callback = options; options = {}; }
  if (typeof options === 'number') options = { family: options };
  const addresses = mapped(hostname);
  if (addresses === undefined) return originalLookup.call(dns, hostname, options, callback);
  if (options?.all) process.nextTick(callback, null, addresses.map((address) => ({ address, family: 4 })));
  else process.nextTick(callback, null, addresses[0], 4);
  return {};
};
dns.promises.lookup = (hostname, options) =>
  new Promise((resolve, reject) => dns.lookup(hostname, options ?? {}, (error, address, family) =>
    error ? reject(error) : resolve(options?.all ? address : { address, family })));

const [file, exportName] = (() => {
  const handler = process.env._HANDLER;
  const dot = handler.lastIndexOf('.');
  return [process.env.LAMBDA_TASK_ROOT + '/' + handler.slice(0, dot) + '.mjs', handler.slice(dot + 1)];
})();
let loaded;
process.on('message', async (message) => {
  if (message.type === 'hosts') { hosts = message.hosts; return; }
  const { id, event, deadline } = message;
  try {
    loaded ??= import(pathToFileURL(file).href).catch((error) => {
      loaded = undefined;
      const wrapped = new Error(String(error?.message ?? error));
      wrapped.name = 'Runtime.ImportModuleError';
      throw wrapped;
    });
    const module = await loaded;
    const handler = module[exportName];
    if (typeof handler !== 'function') {
      const error = new Error(exportName + ' is not a function in ' + file);
      error.name = 'Runtime.HandlerNotFound';
      throw error;
    }
    const context = {
      awsRequestId: id,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      getRemainingTimeInMillis: () => deadline - Date.now(),
      callbackWaitsForEmptyEventLoop: true,
    };
    const result = await handler(event, context);
    process.send({ id, ok: true, result: result === undefined ? null : JSON.parse(JSON.stringify(result)) });
  } catch (error) {
    process.send({
      id,
      ok: false,
      errorType: typeof error?.name === 'string' ? error.name : 'Error',
      errorMessage: String(error?.message ?? error),
    });
  }
});
process.send({ ready: true });
`;

interface Container {
  child: ChildProcess;
  /** The invocation in flight: a container serves one at a time, as in Lambda. */
  current?: { id: string; resolve: (value: unknown) => void; reject: (error: Error) => void };
}

export class LambdaRuntime {
  readonly invocations: Invocation[] = [];
  /** Every line a function wrote to stdout/stderr (its CloudWatch log), prefixed with the function name. */
  readonly logs: string[] = [];
  readonly #options: RuntimeOptions;
  readonly #functions = new Map<string, FunctionSpec>();
  /** Warm, idle containers per function; concurrent invocations (a Map state) get containers of their own. */
  readonly #idle = new Map<string, Container[]>();
  readonly #all = new Set<Container>();
  #sdkDir = '';
  #bootstrap = '';

  private constructor(options: RuntimeOptions) {
    this.#options = options;
  }

  static async create(options: RuntimeOptions): Promise<LambdaRuntime> {
    const runtime = new LambdaRuntime(options);
    const dir = join(options.root, 'runtime');
    // The SDK directory: symlinks to the SDK's scopes only (their own dependencies resolve from where they live).
    runtime.#sdkDir = join(dir, 'node_modules');
    await mkdir(runtime.#sdkDir, { recursive: true });
    for (const scope of SDK_SCOPES) await symlink(join(REPO, 'node_modules', scope), join(runtime.#sdkDir, scope));
    runtime.#bootstrap = join(dir, 'bootstrap.mjs');
    await writeFile(runtime.#bootstrap, BOOTSTRAP);
    return runtime;
  }

  /** Unzips a function's package (or writes the given files) into `<root>/task/<name>` and registers it. */
  async addFunction(
    spec: Omit<FunctionSpec, 'codeDir'> & ({ zip: string } | { files: Record<string, string> }),
  ): Promise<FunctionSpec> {
    const codeDir = join(this.#options.root, 'task', spec.name);
    await mkdir(codeDir, { recursive: true });
    if ('zip' in spec) await run('unzip', ['-q', '-o', spec.zip, '-d', codeDir], this.#options.root, 60_000);
    else {
      for (const [path, text] of Object.entries(spec.files)) {
        await mkdir(dirname(join(codeDir, path)), { recursive: true });
        await writeFile(join(codeDir, path), text);
      }
    }
    const registered = {
      name: spec.name,
      handler: spec.handler,
      environment: spec.environment,
      timeoutSeconds: spec.timeoutSeconds,
      codeDir,
    };
    this.#functions.set(spec.name, registered);
    return registered;
  }

  has(name: string): boolean {
    return this.#functions.has(name);
  }

  /** Invokes a function synchronously (RequestResponse), as Step Functions' Lambda task does. */
  async invoke(name: string, event: unknown): Promise<unknown> {
    const spec = this.#functions.get(name);
    if (spec === undefined) throw new Error(`no function ${name} was packaged`);
    const record: Invocation = { function: name, event, ok: false };
    this.invocations.push(record);
    const container = this.#idle.get(name)?.pop() ?? (await this.#start(spec));
    container.child.send({ type: 'hosts', hosts: this.#options.hosts() });
    const id = randomUUID();
    const timeoutMs = spec.timeoutSeconds * 1000;
    try {
      const result = await new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => {
          // Lambda ends a timed-out invocation's sandbox; the next invocation gets a new one.
          container.current = undefined;
          this.#stop(container);
          reject(lambdaFunctionError('Sandbox.Timedout', `${name} timed out after ${spec.timeoutSeconds} s`));
        }, timeoutMs);
        const settle = () => {
          clearTimeout(timer);
          container.current = undefined;
        };
        container.current = {
          id,
          resolve: (value) => {
            settle();
            resolve(value);
          },
          reject: (error) => {
            settle();
            reject(error);
          },
        };
        container.child.send({ id, event, deadline: Date.now() + timeoutMs });
      });
      record.ok = true;
      return result;
    } catch (error) {
      record.errorType = (error as Error).name;
      throw error;
    } finally {
      if (this.#all.has(container)) {
        const idle = this.#idle.get(name) ?? [];
        idle.push(container);
        this.#idle.set(name, idle);
      }
    }
  }

  #start(spec: FunctionSpec): Promise<Container> {
    return new Promise<Container>((resolve, reject) => {
      const env: Record<string, string> = {
        // What the Lambda runtime sets (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html).
        AWS_REGION: this.#options.region,
        AWS_DEFAULT_REGION: this.#options.region,
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
        AWS_LAMBDA_FUNCTION_NAME: `brokerlink-test-${spec.name}`,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_ACCESS_KEY_ID: 'ASIAFAKEFAKEFAKEFAKE',
        AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
        AWS_SESSION_TOKEN: 'fake-session-token',
        LAMBDA_TASK_ROOT: spec.codeDir,
        LAMBDA_RUNTIME_DIR: join(this.#options.root, 'runtime'),
        _HANDLER: spec.handler,
        NODE_PATH: this.#sdkDir,
        TZ: ':UTC',
        LANG: 'en_US.UTF-8',
        PATH: '/usr/local/bin:/usr/bin:/bin',
        HOME: join(this.#options.root, 'home'),
        // Here, not in Lambda: every AWS call goes to the loopback endpoint, and nothing looks for other credentials.
        AWS_ENDPOINT_URL: this.#options.endpoint,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: join(this.#options.root, 'no-aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(this.#options.root, 'no-aws-credentials'),
        ...spec.environment,
      };
      const child = fork(this.#bootstrap, [], {
        cwd: spec.codeDir,
        env,
        execPath: process.execPath,
        execArgv: [],
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      const container: Container = { child };
      this.#all.add(container);
      const collect = (stream: NodeJS.ReadableStream | null) => {
        let buffer = '';
        stream?.setEncoding('utf8');
        stream?.on('data', (chunk: string) => {
          buffer += chunk;
          const lines = buffer.split('\n');
          buffer = lines.pop() ?? '';
          for (const line of lines) this.logs.push(`${spec.name}: ${line}`);
        });
      };
      collect(child.stdout);
      collect(child.stderr);
      child.on(
        'message',
        (message: { ready?: boolean; id?: string; ok?: boolean; result?: unknown } & Record<string, unknown>) => {
          if (message.ready === true) {
            resolve(container);
            return;
          }
          const current = container.current;
          if (current === undefined || current.id !== message.id) return;
          if (message.ok === true) current.resolve(message.result);
          else current.reject(lambdaFunctionError(String(message['errorType']), String(message['errorMessage'])));
        },
      );
      child.on('exit', (code, signal) => {
        this.#all.delete(container);
        const idle = this.#idle.get(spec.name);
        if (idle !== undefined)
          this.#idle.set(
            spec.name,
            idle.filter((candidate) => candidate !== container),
          );
        reject(new Error(`${spec.name} runtime exited (${code ?? signal}) before it was ready`));
        container.current?.reject(lambdaFunctionError('Runtime.ExitError', `${spec.name} exited (${code ?? signal})`));
      });
    });
  }

  #stop(container: Container): Promise<void> {
    this.#all.delete(container);
    if (container.child.exitCode !== null || container.child.signalCode !== null) return Promise.resolve();
    return new Promise<void>((resolve) => {
      container.child.once('exit', () => resolve());
      container.child.kill('SIGKILL');
    });
  }

  /** Stops every container (also the ones of a failed test). */
  async close(): Promise<void> {
    await Promise.all([...this.#all].map((container) => this.#stop(container)));
    this.#idle.clear();
  }
}
