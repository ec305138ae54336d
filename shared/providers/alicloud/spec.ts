import type { AlicloudProviderSpec, ClusterSpec } from '../../spec/schema.ts';
import { AlicloudProviderNotConfigured } from './errors.ts';

/** The spec's `provider.alicloud`; a spec for another provider cannot reach an Alibaba adapter. */
export function alicloudProvider(spec: ClusterSpec): AlicloudProviderSpec {
  const alicloud = spec.provider.alicloud;
  if (alicloud === undefined) {
    throw new AlicloudProviderNotConfigured(`cluster ${spec.cluster}: the spec has no provider.alicloud section`);
  }
  return alicloud;
}
