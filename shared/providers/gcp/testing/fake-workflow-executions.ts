/*
 * FAKE (test support): the Workflow Executions API as @google-cloud/workflows' ExecutionsClient speaks it with
 * `fallback: true` — create an execution (`argument` must be a JSON *string* of at most 32 KiB, labels of
 * lowercase keys/values ≤ 63 characters), get one by name, list a workflow's executions with a `labels.KEY="VALUE"`
 * filter (any other filter is refused). Executions stay ACTIVE until the test says otherwise (`state`): what runs
 * them is the test's business (`onCreate`).
 */
import { FakeHttpServer, GoogleApiError } from './http-fake.ts';

export interface FakeExecution {
  name: string;
  workflow: string;
  argument: unknown;
  labels: Record<string, string>;
  state: 'ACTIVE' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
}

const LABEL = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;

export class FakeWorkflowExecutions {
  readonly server: FakeHttpServer;
  readonly executions: FakeExecution[] = [];
  onCreate: ((execution: FakeExecution) => void) | undefined;

  constructor(options: { token: string; host?: string; workflows: string[] }) {
    this.server = new FakeHttpServer({ token: options.token, ...(options.host ? { host: options.host } : {}) });
    const known = new Set(options.workflows);
    const parent = (p: string, l: string, w: string) => {
      const path = `projects/${p}/locations/${l}/workflows/${w}`;
      if (!known.has(w)) throw new GoogleApiError(404, 'notFound', `Resource '${path}' was not found`);
      return path;
    };
    this.server.route('POST', '/v1/projects/{}/locations/{}/workflows/{}/executions', (r, [p, l, w]) => {
      const workflow = parent(p!, l!, w!);
      const body = (r.json ?? {}) as { argument?: unknown; labels?: Record<string, unknown> };
      let argument: unknown = null;
      if (body.argument !== undefined) {
        if (typeof body.argument !== 'string')
          throw new GoogleApiError(400, 'invalid', 'argument must be a JSON string');
        if (Buffer.byteLength(body.argument) > 32 * 1024)
          throw new GoogleApiError(400, 'invalid', 'argument exceeds 32 KiB');
        try {
          argument = JSON.parse(body.argument);
        } catch {
          throw new GoogleApiError(400, 'invalid', 'argument is not valid JSON');
        }
      }
      const labels: Record<string, string> = {};
      for (const [key, value] of Object.entries(body.labels ?? {})) {
        if (!LABEL.test(key) || typeof value !== 'string' || !LABEL_VALUE.test(value))
          throw new GoogleApiError(400, 'invalid', `invalid label ${key}`);
        labels[key] = value;
      }
      const execution: FakeExecution = {
        name: `${workflow}/executions/${crypto.randomUUID()}`,
        workflow: w!,
        argument,
        labels,
        state: 'ACTIVE',
      };
      this.executions.push(execution);
      this.onCreate?.(execution);
      return { body: { name: execution.name, state: execution.state, argument: body.argument, labels } };
    });
    this.server.route('GET', '/v1/projects/{}/locations/{}/workflows/{}/executions/{}', (_r, [p, l, w, id]) => {
      const name = `${parent(p!, l!, w!)}/executions/${id}`;
      const execution = this.executions.find((e) => e.name === name);
      if (execution === undefined) throw new GoogleApiError(404, 'notFound', `Resource '${name}' was not found`);
      return {
        body: { name, state: execution.state, argument: JSON.stringify(execution.argument), labels: execution.labels },
      };
    });
    this.server.route('GET', '/v1/projects/{}/locations/{}/workflows/{}/executions', (r, [p, l, w]) => {
      parent(p!, l!, w!);
      const filter = r.query.get('filter');
      let matches = this.executions.filter((e) => e.workflow === w);
      if (filter !== null && filter !== '') {
        const term = /^labels\.([a-z][a-z0-9_-]{0,62})="([a-z0-9_-]{0,63})"$/.exec(filter);
        if (!term) throw new GoogleApiError(400, 'invalid', `unsupported filter ${filter}`);
        matches = matches.filter((e) => e.labels[term[1]!] === term[2]);
      }
      return { body: { executions: matches.map((e) => ({ name: e.name, state: e.state, labels: e.labels })) } };
    });
  }

  async start(): Promise<{ host: string; port: number }> {
    return this.server.listen();
  }
  stop(): Promise<void> {
    return this.server.close();
  }
}
