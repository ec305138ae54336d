import { describe, expect, it } from 'vitest';
import { ensureEndpointService } from './endpoint-service.ts';
import { AwsProviderNotConfigured } from './errors.ts';
import { AwsLoadBalancer } from './load-balancer.ts';
import { createFakeAws, FAKE_LOAD_BALANCER_ARN } from './testing/fake-aws.ts';
import { awsSpec, awsSpecInput } from './testing/specs.ts';

const principal = 'arn:aws:iam::123456789012:root';
const withService = () => {
  const input = awsSpecInput();
  const aws = input.provider.aws!;
  return awsSpec({
    provider: { aws: { ...aws, endpointService: { allowedPrincipals: [principal], acceptanceRequired: true } } },
  });
};

describe('ensureEndpointService', () => {
  it('creates the service for the NLB with acceptance required, allows the principals and returns its name', async () => {
    const aws = createFakeAws();
    const result = await ensureEndpointService(aws.clients.ec2, withService());
    expect(result).toMatchObject({ created: true, addedPrincipals: [principal], extraPrincipals: [] });
    expect(result.serviceName).toMatch(/^com\.amazonaws\.vpce\.us-west-2\.vpce-svc-[0-9a-f]+$/);
    expect(aws.calls('ec2', 'CreateVpcEndpointServiceConfiguration')[0]?.input).toMatchObject({
      NetworkLoadBalancerArns: [FAKE_LOAD_BALANCER_ARN],
      AcceptanceRequired: true,
    });
  });

  it('is idempotent: a second run adopts the service and changes nothing', async () => {
    const aws = createFakeAws();
    const first = await ensureEndpointService(aws.clients.ec2, withService());
    const second = await ensureEndpointService(aws.clients.ec2, withService());
    expect(second).toMatchObject({ created: false, serviceId: first.serviceId, addedPrincipals: [] });
    expect(aws.state.endpointServices.size).toBe(1);
    expect(aws.calls('ec2', 'ModifyVpcEndpointServicePermissions')).toHaveLength(1);
  });

  it('adopts a service someone made by hand for the same NLB and reports principals it did not add', async () => {
    const aws = createFakeAws();
    aws.state.endpointServices.set('vpce-svc-manual', {
      serviceId: 'vpce-svc-manual',
      serviceName: 'com.amazonaws.vpce.us-west-2.vpce-svc-manual',
      loadBalancerArns: [FAKE_LOAD_BALANCER_ARN],
      acceptanceRequired: false,
      allowedPrincipals: new Set(['arn:aws:iam::999999999999:root']),
      tags: {},
    });
    const result = await ensureEndpointService(aws.clients.ec2, withService());
    expect(result).toMatchObject({
      serviceId: 'vpce-svc-manual',
      created: false,
      extraPrincipals: ['arn:aws:iam::999999999999:root'],
      acceptanceDrift: true,
    });
    expect(aws.calls('ec2', 'CreateVpcEndpointServiceConfiguration')).toHaveLength(0);
  });

  it('needs provider.aws.endpointService', async () => {
    const aws = createFakeAws();
    await expect(ensureEndpointService(aws.clients.ec2, awsSpec())).rejects.toBeInstanceOf(AwsProviderNotConfigured);
  });
});

describe('AwsLoadBalancer.ensureConsumerEndpoint', () => {
  it('returns null and calls nothing when the spec does not ask for an endpoint service', async () => {
    const aws = createFakeAws();
    const lb = new AwsLoadBalancer({ ec2: aws.clients.ec2, elbv2: aws.clients.elbv2 });
    expect(await lb.ensureConsumerEndpoint(awsSpec())).toBeNull();
    expect(aws.calls('ec2', 'DescribeVpcEndpointServiceConfigurations')).toHaveLength(0);
  });

  it('returns the service name consumers enter, with what was done in words', async () => {
    const aws = createFakeAws();
    const lb = new AwsLoadBalancer({ ec2: aws.clients.ec2, elbv2: aws.clients.elbv2 });
    const first = await lb.ensureConsumerEndpoint(withService());
    expect(first?.serviceName).toMatch(/^com\.amazonaws\.vpce\.us-west-2\.vpce-svc-/);
    expect(first?.notes).toEqual([
      expect.stringMatching(/^created endpoint service vpce-svc-/),
      `allowed ${principal}`,
    ]);
    expect(await lb.ensureConsumerEndpoint(withService())).toEqual({ serviceName: first?.serviceName, notes: [] });
  });
});
