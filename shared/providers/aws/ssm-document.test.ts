import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { writerScriptText } from '../../broker-writer/protocol.ts';
import { PARAMETER_PATTERNS, ssmDocumentContent } from './ssm-document.ts';
import { validateCommandParameters } from './testing/fake-ssm.ts';
import { substituteParameters } from './testing/run-document.ts';

const document = ssmDocumentContent();
const script = document.mainSteps[0]!.inputs.runCommand.join('\n');

describe('ssmDocumentContent', () => {
  it('is a schemaVersion 2.2 Command document with one Linux runShellScript step', () => {
    expect(document.schemaVersion).toBe('2.2');
    expect(document.mainSteps.map((step) => [step.action, step.precondition])).toEqual([
      ['aws:runShellScript', { StringEquals: ['platformType', 'Linux'] }],
    ]);
    expect(Object.keys(document.parameters).sort()).toEqual(
      ['action', 'contentBase64', 'expectedNodeId', 'expectedSha256', 'path', 'script', 'systemdUnit'].sort(),
    );
    expect(document.parameters['action']?.allowedValues).toEqual(['read', 'write', 'restart']);
  });

  it('constrains every free-text parameter with a pattern that excludes quotes, backslashes, $ and newlines', () => {
    for (const [name, declaration] of Object.entries(document.parameters)) {
      if (name === 'action') continue;
      const pattern = new RegExp(declaration.allowedPattern!);
      for (const bad of ["'", '\\', '$', '`', '\n', ' ', ';', '"', '(']) {
        expect(pattern.test(`/a${bad}b`), `${name} must refuse ${JSON.stringify(bad)}`).toBe(false);
      }
      expect(pattern.test(declaration.default ?? ''), `${name} default`).toBe(true);
    }
  });

  it('substitutes each parameter only inside single quotes', () => {
    const uses = script.split('\n').filter((line) => line.includes('{{'));
    expect(uses).toEqual([
      "action='{{ action }}'",
      "path='{{ path }}'",
      "expected_sha256='{{ expectedSha256 }}'",
      "content_base64='{{ contentBase64 }}'",
      "expected_node_id='{{ expectedNodeId }}'",
      "systemd_unit='{{ systemdUnit }}'",
      "restart_script='{{ script }}'",
    ]);
  });

  it('embeds the broker-writer script byte for byte', () => {
    const embedded = /printf '%s' '([A-Za-z0-9+/=]+)' \| base64 -d/.exec(script)?.[1];
    expect(Buffer.from(embedded ?? '', 'base64').toString('utf8')).toBe(writerScriptText());
  });

  it('embeds even a writer text containing {{ }} without exposing it to SSM substitution', () => {
    const lines = ssmDocumentContent({ writerScript: "echo '{{ path }}'" }).mainSteps[0]!.inputs.runCommand;
    expect(lines.filter((line) => line.includes('{{'))).toHaveLength(7);
  });

  it('keeps every value the patterns admit inert: the shell sees exactly the value', () => {
    const alphabet = (chars: string) => fc.string({ unit: fc.constantFrom(...chars.split('')), maxLength: 40 });
    const safe = 'abcXYZ019._@+/-';
    const values = fc.record({
      path: alphabet(safe).map((s) => `/${s}`),
      expectedSha256: fc.constantFrom('', 'f'.repeat(64)),
      contentBase64: alphabet('AZaz09+/='),
      expectedNodeId: fc.constantFrom('', '0', '7', '2147483647'),
      systemdUnit: alphabet('ab@._-').map((s) => `k${s}.service`),
      script: alphabet(safe).map((s) => `/${s}`),
    });
    const assignments = script
      .split('\n')
      .filter((line) => line.includes('{{'))
      .join('\n');
    fc.assert(
      fc.property(values, (given) => {
        const parameters = validateCommandParameters(
          document,
          Object.fromEntries(Object.entries({ action: 'read', ...given }).map(([k, v]) => [k, [v]])),
        );
        const shell = `${substituteParameters(assignments, parameters)}
printf '%s\\n' "$path" "$expected_sha256" "$content_base64" "$expected_node_id" "$systemd_unit" "$restart_script"`;
        const out = execFileSync('sh', ['-c', shell], { encoding: 'utf8', timeout: 5_000 });
        expect(out).toBe(
          `${[given.path, given.expectedSha256, given.contentBase64, given.expectedNodeId, given.systemdUnit, given.script].join('\n')}\n`,
        );
      }),
      { numRuns: 40 },
    );
  });

  it('keeps the patterns in one place', () => {
    for (const [name, pattern] of Object.entries(PARAMETER_PATTERNS)) {
      expect(document.parameters[name]?.allowedPattern).toBe(pattern);
    }
  });
});
