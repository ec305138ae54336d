import { createHash } from 'node:crypto';
import {
  CreateVpcEndpointServiceConfigurationCommand,
  DescribeVpcEndpointServicePermissionsCommand,
  type EC2Client,
  ModifyVpcEndpointServicePermissionsCommand,
  paginateDescribeVpcEndpointServiceConfigurations,
} from '@aws-sdk/client-ec2';
import type { ClusterSpec } from '../../spec/schema.ts';
import { awsCall, collectPages } from './aws-call.ts';
import { AwsProviderNotConfigured } from './errors.ts';
import { awsProvider, LEDGER_TAGS } from './ledger.ts';

/*
 * Ensures the PrivateLink endpoint service in front of the cluster's NLB and returns the service name consumers
 * enter (com.amazonaws.vpce.<region>.vpce-svc-…). An existing service for the NLB is adopted whether brokerlink or
 * a person made it (an NLB can back only one endpoint service). Creation carries a deterministic ClientToken, so
 * a retried create after a lost answer returns the same service. Principals in the spec are added; principals
 * added by hand are left alone (removing access is a decision for a person, reported as `extraPrincipals`).
 */

export interface EndpointServiceResult {
  serviceId: string;
  serviceName: string;
  created: boolean;
  addedPrincipals: string[];
  extraPrincipals: string[];
  /** The service's AcceptanceRequired differs from the spec (not changed automatically). */
  acceptanceDrift: boolean;
}

export async function ensureEndpointService(ec2: EC2Client, spec: ClusterSpec): Promise<EndpointServiceResult> {
  const aws = awsProvider(spec);
  const wanted = aws.endpointService;
  if (wanted === undefined) {
    throw new AwsProviderNotConfigured(`cluster ${spec.cluster}: provider.aws.endpointService is not set`);
  }
  const services = await collectPages(
    'ec2:DescribeVpcEndpointServiceConfigurations',
    paginateDescribeVpcEndpointServiceConfigurations({ client: ec2, pageSize: 100 }, {}),
    (page) => page.ServiceConfigurations,
  );
  let service = services.find((s) => s.NetworkLoadBalancerArns?.includes(aws.loadBalancerArn));
  let created = false;
  if (service === undefined) {
    const token = `brokerlink-${spec.cluster}-${createHash('sha256').update(aws.loadBalancerArn).digest('hex').slice(0, 16)}`;
    const answer = await awsCall('ec2:CreateVpcEndpointServiceConfiguration', () =>
      ec2.send(
        new CreateVpcEndpointServiceConfigurationCommand({
          NetworkLoadBalancerArns: [aws.loadBalancerArn],
          AcceptanceRequired: wanted.acceptanceRequired,
          ClientToken: token,
          TagSpecifications: [
            {
              ResourceType: 'vpc-endpoint-service',
              Tags: [
                { Key: LEDGER_TAGS.cluster, Value: spec.cluster },
                { Key: 'Name', Value: `brokerlink-${spec.cluster}` },
              ],
            },
          ],
        }),
      ),
    );
    service = answer.ServiceConfiguration;
    created = true;
  }
  const serviceId = service?.ServiceId;
  const serviceName = service?.ServiceName;
  if (serviceId === undefined || serviceName === undefined) {
    throw new AwsProviderNotConfigured(`endpoint service for ${aws.loadBalancerArn} has no id or name`);
  }

  const permissions = await awsCall('ec2:DescribeVpcEndpointServicePermissions', () =>
    ec2.send(new DescribeVpcEndpointServicePermissionsCommand({ ServiceId: serviceId })),
  );
  const current = new Set((permissions.AllowedPrincipals ?? []).map((p) => p.Principal ?? ''));
  const addedPrincipals = wanted.allowedPrincipals.filter((principal) => !current.has(principal));
  if (addedPrincipals.length > 0) {
    await awsCall('ec2:ModifyVpcEndpointServicePermissions', () =>
      ec2.send(
        new ModifyVpcEndpointServicePermissionsCommand({ ServiceId: serviceId, AddAllowedPrincipals: addedPrincipals }),
      ),
    );
  }
  return {
    serviceId,
    serviceName,
    created,
    addedPrincipals,
    extraPrincipals: [...current].filter((p) => p !== '' && !wanted.allowedPrincipals.includes(p)),
    acceptanceDrift:
      service?.AcceptanceRequired !== undefined && service.AcceptanceRequired !== wanted.acceptanceRequired,
  };
}
