import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsClients } from './clients.ts';
import { AwsThrottled } from './errors.ts';
import { AwsLoadBalancer } from './load-balancer.ts';
import { awsSpec } from './testing/specs.ts';

/*
 * The SDK's own retry strategy against a real HTTP endpoint on loopback that speaks ELBv2's query protocol:
 * throttling answers are retried by the SDK (not by our code), and what is left becomes AwsThrottled.
 */

const NS = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';
const THROTTLED = `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r1</RequestId></ErrorResponse>`;
const ANSWER = `<DescribeLoadBalancersResponse xmlns="${NS}"><DescribeLoadBalancersResult><LoadBalancers><member><DNSName>kafka-nlb-1.elb.us-west-2.amazonaws.com</DNSName><LoadBalancerArn>arn</LoadBalancerArn></member></LoadBalancers></DescribeLoadBalancersResult><ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></DescribeLoadBalancersResponse>`;

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function elbv2Endpoint(throttleFirst: number): Promise<{ url: string; requests: () => number }> {
  let count = 0;
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      count += 1;
      const throttled = count <= throttleFirst;
      response.writeHead(throttled ? 400 : 200, { 'content-type': 'text/xml' });
      response.end(throttled ? THROTTLED : ANSWER);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests: () => count };
}

const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' };

describe('createAwsClients retry strategy', () => {
  it('retries throttled calls inside the SDK until one succeeds', async () => {
    const endpoint = await elbv2Endpoint(1);
    const clients = createAwsClients({ region: 'us-west-2', endpoint: endpoint.url, credentials, maxAttempts: 3 });
    const lb = new AwsLoadBalancer({ elbv2: clients.elbv2, ec2: clients.ec2 });
    expect(await lb.consumerAddress(awsSpec())).toBe('kafka-nlb-1.elb.us-west-2.amazonaws.com');
    expect(endpoint.requests()).toBe(2);
  });

  it('gives up after maxAttempts and reports AwsThrottled', async () => {
    const endpoint = await elbv2Endpoint(100);
    const clients = createAwsClients({
      region: 'us-west-2',
      endpoint: endpoint.url,
      credentials,
      maxAttempts: 2,
      retryMode: 'standard',
    });
    const lb = new AwsLoadBalancer({ elbv2: clients.elbv2, ec2: clients.ec2 });
    await expect(lb.consumerAddress(awsSpec())).rejects.toBeInstanceOf(AwsThrottled);
    expect(endpoint.requests()).toBe(2);
  });
});
