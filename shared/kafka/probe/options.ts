/**
 * How to reach one Kafka listener. Credentials arrive already resolved (secret references are resolved by
 * another module before they get here); nothing in here reads files or environment variables.
 */
import { z } from 'zod';
import { portSchema } from '../../model/schemas.ts';

export const tlsOptionsSchema = z.strictObject({
  /** PEM CA bundle to trust. Omitted: the system's trust store. */
  ca: z.string().min(1).optional(),
  /** SNI name and the name the certificate must match. Omitted: the host connected to. */
  serverName: z.string().min(1).optional(),
  /** PEM client certificate and key, for listeners with `ssl.client.auth=required`. */
  cert: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  /** Skip certificate verification. For diagnosis only; verification reports it. */
  insecureSkipVerify: z.boolean().optional(),
});

export const saslOptionsSchema = z.strictObject({
  mechanism: z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']),
  username: z.string().min(1),
  password: z.string(),
});

export const probeOptionsSchema = z.strictObject({
  host: z.string().min(1),
  port: portSchema,
  tls: tlsOptionsSchema.optional(),
  sasl: saslOptionsSchema.optional(),
  /** Limit for each call (connect + handshake, or one request). */
  timeoutMs: z.number().int().positive().max(600_000).default(10_000),
  clientId: z.string().min(1).default('brokerlink-probe'),
});

export type TlsOptions = z.infer<typeof tlsOptionsSchema>;
export type SaslOptions = z.infer<typeof saslOptionsSchema>;
export type ProbeOptions = z.input<typeof probeOptionsSchema>;
export type ResolvedProbeOptions = z.output<typeof probeOptionsSchema>;
