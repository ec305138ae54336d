import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute, loadWorkflow, type Value } from './interpreter.ts';

/*
 * The Workflows subset interpreter against behaviours the public syntax reference states (examples adapted from
 * the reference pages on expressions, switch, for, try/retry/except, subworkflows and HTTP calls).
 */

const run = (yaml: string, argument: Value = null, options = {}) =>
  execute(loadWorkflow(yaml), argument, { sleep: async () => {}, ...options });

describe('expressions and assignment', () => {
  it('follows operator precedence and keeps ints and strings apart', async () => {
    const result = await run(`
- init:
    assign:
      - a: \${1 + 2 * 3}
      - b: \${(1 + 2) * 3}
      - c: \${7 // 2}
      - d: \${7 % 4}
      - e: \${"kafka-" + "b1"}
      - f: \${not (1 > 2) and 3 in [1, 2, 3]}
      - m: {}
      - m.key: value
      - m["other"]: \${len(m)}
      - l: [1, 2, 3]
      - l[1]: 20
- done:
    return: \${[a, b, c, d, e, f, m, l]}
`);
    expect(result).toMatchObject({
      state: 'SUCCEEDED',
      result: [7, 9, 3, 3, 'kafka-b1', true, { key: 'value', other: 1 }, [1, 20, 3]],
    });
  });

  it('raises a TypeError for a string plus a number, and a KeyError for a missing key, which except sees with tags', async () => {
    const result = await run(`
- bad_add:
    try:
      assign:
        - x: \${"port " + 9092}
    except:
      as: e
      steps:
        - keep:
            assign:
              - first: \${e.tags}
- bad_key:
    try:
      assign:
        - y: \${first.missing}
    except:
      as: e
      steps:
        - done:
            return: '\${[first, e.tags, default(map.get({"a": 1}, "b"), "fallback")]}'
`);
    expect(result.result).toEqual([['TypeError'], ['TypeError'], 'fallback']);
  });
});

describe('control flow', () => {
  it('jumps with switch and next, and ends with next: end', async () => {
    const result = await run(
      `
main:
  params: [input]
  steps:
    - decide:
        switch:
          - condition: \${input.n > 10}
            next: big
          - condition: \${input.n > 5}
            return: medium
        next: small
    - big:
        return: big
    - small:
        assign:
          - out: small
        next: end
    - unreachable:
        return: never
`,
      { n: 3 },
    );
    expect(result.result).toBeNull();
    expect(
      (
        await run(
          `
main:
  params: [input]
  steps:
    - decide:
        switch:
          - condition: \${input.n > 10}
            next: big
        next: small
    - big:
        return: big
    - small:
        return: small
`,
          { n: 30 },
        )
      ).result,
    ).toBe('big');
  });

  it('loops over lists and ranges with break and continue; names first set in the loop stay in it', async () => {
    const result = await run(`
- init:
    assign:
      - total: 0
      - seen: []
- loop:
    for:
      value: x
      index: i
      in: [1, 2, 3, 4, 5]
      steps:
        - skip_two:
            switch:
              - condition: \${x == 2}
                next: continue
              - condition: \${x == 5}
                next: break
        - add:
            assign:
              - total: \${total + x}
              - seen: \${list.concat(seen, i)}
              - inner: \${x}
- ranged:
    for:
      value: n
      range: [1, 3]
      steps:
        - add:
            assign:
              - total: \${total + n * 100}
- leak:
    try:
      assign:
        - z: \${inner}
    except:
      as: e
      steps:
        - out:
            return: \${[total, seen, e.tags]}
`);
    expect(result.result).toEqual([1 + 3 + 4 + 600, [0, 2, 3], ['ValueError']]);
  });
});

describe('try, retry and except', () => {
  const retrying = (maxRetries: number) => `
main:
  steps:
    - init:
        assign:
          - attempts: 0
    - flaky:
        try:
          steps:
            - count:
                assign:
                  - attempts: \${attempts + 1}
            - fail:
                raise:
                  message: busy
                  tags: ["BrokerlinkRetryable"]
        retry:
          predicate: \${only_retryable}
          max_retries: ${maxRetries}
          backoff:
            initial_delay: 2
            max_delay: 10
            multiplier: 3
        except:
          as: e
          steps:
            - give_up:
                return: \${[attempts, e.message]}
only_retryable:
  params: [e]
  steps:
    - decide:
        switch:
          - condition: \${"BrokerlinkRetryable" in map.get(e, "tags")}
            return: true
    - no:
        return: false
`;

  it('retries with exponential backoff capped at max_delay, then runs except', async () => {
    const result = await run(retrying(4));
    expect(result.result).toEqual([5, 'busy']);
    expect(result.sleeps).toEqual([2, 6, 10, 10]);
  });

  it('does not retry an error the predicate declines', async () => {
    const result = await run(`
main:
  steps:
    - once:
        try:
          raise: fatal
        retry:
          predicate: \${never}
          max_retries: 5
never:
  params: [e]
  steps:
    - no:
        return: false
`);
    expect(result).toMatchObject({ state: 'FAILED', error: 'fatal', sleeps: [] });
  });
});

describe('subworkflows and limits', () => {
  it('passes params with defaults and refuses a missing argument', async () => {
    const yaml = `
main:
  steps:
    - call_it:
        call: greet
        args:
          name: b1
        result: text
    - out:
        return: \${text}
greet:
  params: [name, {suffix: "!"}]
  steps:
    - build:
        return: \${"hello " + name + suffix}
`;
    expect((await run(yaml)).result).toBe('hello b1!');
    const missing = await run(yaml.replace('name: b1', 'suffix: "?"'));
    expect(missing).toMatchObject({ state: 'FAILED', error: { tags: ['TypeError'] } });
  });

  it('counts steps as Workflows bills them and stops an execution past its step limit', async () => {
    const yaml = `
- init:
    assign:
      - n: 0
- again:
    assign:
      - n: \${n + 1}
    next: again
`;
    const result = await run(yaml, null, { maxSteps: 50 });
    expect(result).toMatchObject({ state: 'FAILED', error: { tags: ['ResourceLimitError'] }, steps: 51 });
  });
});

describe('loading', () => {
  it.each([
    ['parallel steps', '- p:\n    parallel:\n      branches: []', /unsupported key parallel/],
    ['a next target out of scope', '- a:\n    next: nowhere', /next nowhere/],
    ['a broken expression', `- a:\n    assign:\n      - x: \${1 +}`, /ParseError|unexpected/],
    ['an unknown call', '- a:\n    call: googleapis.compute.v1.instances.get', /unknown call/],
  ])('refuses %s, naming the step', (_what, yaml, message) => {
    expect(() => loadWorkflow(yaml)).toThrow(message);
  });
});

describe('http calls', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ url: string; auth: string | undefined; body: string }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', auth: req.headers.authorization, body });
        res.writeHead(req.url === '/fail' ? 409 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(req.url === '/fail' ? { error: 'LockHeld' } : { echoed: JSON.parse(body) }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.2.12', resolve));
    base = `http://127.0.2.12:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('posts JSON with an OIDC bearer token and returns {code, headers, body}; a 4xx raises HttpError', async () => {
    const result = await run(
      `
main:
  params: [input]
  steps:
    - post:
        call: http.post
        args:
          url: \${input.base + "/discover"}
          auth:
            type: OIDC
          body:
            cluster: orders
        result: answer
    - failing:
        try:
          call: http.post
          args:
            url: \${input.base + "/fail"}
            body: {}
        except:
          as: e
          steps:
            - out:
                return: \${[answer.code, answer.body.echoed.cluster, e.code, e.body.error, e.tags]}
`,
      { base },
    );
    expect(result.result).toEqual([200, 'orders', 409, 'LockHeld', ['HttpError']]);
    const token = seen[0]!.auth!.replace(/^Bearer /, '').split('.')[1]!;
    expect(JSON.parse(Buffer.from(token, 'base64url').toString())).toMatchObject({ aud: `${base}/discover` });
  });
});
