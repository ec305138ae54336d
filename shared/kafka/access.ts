import type { SecretResolver } from '../ports.ts';
import type { ClusterSpec } from '../spec/schema.ts';
import type { SaslOptions, TlsOptions } from './probe/options.ts';

export interface KafkaAccess {
  tls?: TlsOptions;
  sasl?: SaslOptions;
  timeoutMs: number;
}

/** Turns the spec's `kafka.security` (secret references only) into probe options with the secrets resolved. */
export async function resolveKafkaAccess(spec: ClusterSpec, secrets: SecretResolver): Promise<KafkaAccess> {
  const { protocol, tls, sasl } = spec.kafka.security;
  const access: KafkaAccess = { timeoutMs: spec.kafka.requestTimeoutMs };
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    access.tls = {
      ...(tls?.caRef ? { ca: await secrets.resolve(tls.caRef) } : {}),
      ...(tls?.serverName ? { serverName: tls.serverName } : {}),
      ...(tls?.clientCertRef ? { cert: await secrets.resolve(tls.clientCertRef) } : {}),
      ...(tls?.clientKeyRef ? { key: await secrets.resolve(tls.clientKeyRef) } : {}),
    };
  }
  if (sasl !== undefined) {
    access.sasl = {
      mechanism: sasl.mechanism,
      username: await secrets.resolve(sasl.usernameRef),
      password: await secrets.resolve(sasl.passwordRef),
    };
  }
  return access;
}
