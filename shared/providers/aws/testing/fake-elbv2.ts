/*
 * FAKE (test support): a stateful in-memory model of the ELBv2 calls brokerlink uses, faithful to the documented
 * behaviour that matters for idempotence: CreateTargetGroup / CreateListener return the existing resource when
 * called again with identical settings and fail with DuplicateTargetGroupName / DuplicateListener otherwise;
 * DescribeTags takes at most 20 ARNs; describes page with Marker/NextMarker; a target group forwarded to by a
 * listener cannot be deleted (ResourceInUse); DescribeTargetGroups by LoadBalancerArn lists only target groups a
 * listener of that load balancer forwards to.
 */
import type {
  AddTagsCommandInput,
  CreateListenerCommandInput,
  CreateTargetGroupCommandInput,
  DeleteListenerCommandInput,
  DeleteTargetGroupCommandInput,
  DeregisterTargetsCommandInput,
  DescribeListenersCommandInput,
  DescribeLoadBalancersCommandInput,
  DescribeTagsCommandInput,
  DescribeTargetGroupAttributesCommandInput,
  DescribeTargetGroupsCommandInput,
  DescribeTargetHealthCommandInput,
  Listener,
  ModifyListenerCommandInput,
  ModifyTargetGroupAttributesCommandInput,
  RegisterTargetsCommandInput,
  RemoveTagsCommandInput,
  TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsError, type IdSource, paginate } from './fake-core.ts';
import type { FakeAwsState, FakeListener, FakeTargetGroup } from './fake-state.ts';

const err = (code: string, message: string) => awsError('elbv2', code, message);

export function makeElbv2Model(state: FakeAwsState, ids: IdSource, pageSize: { elbv2: number }) {
  const arnPrefix = `arn:aws:elasticloadbalancing:${state.region}:${state.accountId}`;
  const lbSuffix = state.loadBalancer.arn.split(':loadbalancer/')[1] ?? 'net/fake/0';

  function tgOut(tg: FakeTargetGroup): TargetGroup {
    const loadBalancerArns = [
      ...new Set(
        [...state.listeners.values()].filter((l) => l.targetGroupArn === tg.arn).map((l) => l.loadBalancerArn),
      ),
    ];
    return {
      TargetGroupArn: tg.arn,
      TargetGroupName: tg.name,
      Protocol: tg.protocol as TargetGroup['Protocol'],
      Port: tg.port,
      VpcId: tg.vpcId,
      TargetType: tg.targetType,
      HealthCheckProtocol: tg.healthCheckProtocol as TargetGroup['HealthCheckProtocol'],
      LoadBalancerArns: loadBalancerArns,
    };
  }

  function listenerOut(listener: FakeListener): Listener {
    return {
      ListenerArn: listener.arn,
      LoadBalancerArn: listener.loadBalancerArn,
      Port: listener.port,
      Protocol: listener.protocol as Listener['Protocol'],
      DefaultActions: [
        {
          Type: 'forward',
          TargetGroupArn: listener.targetGroupArn,
          ForwardConfig: { TargetGroups: [{ TargetGroupArn: listener.targetGroupArn, Weight: 1 }] },
        },
      ],
    };
  }

  function requireTg(arn: string | undefined): FakeTargetGroup {
    const tg = arn === undefined ? undefined : state.targetGroups.get(arn);
    if (tg === undefined) throw err('TargetGroupNotFoundException', `One or more target groups not found: ${arn}`);
    return tg;
  }

  function taggable(arn: string): { tags: Record<string, string> } {
    const found = state.targetGroups.get(arn) ?? state.listeners.get(arn);
    if (found !== undefined) return found;
    if (arn.includes(':listener/')) throw err('ListenerNotFoundException', `listener ${arn} not found`);
    throw err('TargetGroupNotFoundException', `target group ${arn} not found`);
  }

  function forwardTarget(actions: CreateListenerCommandInput['DefaultActions']): string {
    const action = actions?.[0];
    const arn = action?.TargetGroupArn ?? action?.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn;
    if (actions?.length !== 1 || action?.Type !== 'forward' || arn === undefined) {
      throw err('ValidationError', 'the fake models a single forward default action only');
    }
    return arn;
  }

  function checkPageSize(size: number | undefined) {
    if (size !== undefined && (size < 1 || size > 400)) throw err('ValidationError', 'PageSize must be 1-400');
    return Math.min(size ?? 400, pageSize.elbv2);
  }

  return {
    DescribeLoadBalancers(input: DescribeLoadBalancersCommandInput) {
      for (const arn of input.LoadBalancerArns ?? []) {
        if (arn !== state.loadBalancer.arn)
          throw err('LoadBalancerNotFoundException', `load balancer ${arn} not found`);
      }
      const name = lbSuffix.split('/')[1] ?? 'fake';
      const id = lbSuffix.split('/')[2] ?? '0';
      return {
        LoadBalancers: [
          {
            LoadBalancerArn: state.loadBalancer.arn,
            LoadBalancerName: name,
            DNSName: `${name}-${id}.elb.${state.region}.amazonaws.com`,
            Scheme: 'internal' as const,
            Type: 'network' as const,
            VpcId: state.loadBalancer.vpcId,
            AvailabilityZones: state.loadBalancer.zones.map((zone, index) => ({
              ZoneName: zone,
              SubnetId: `subnet-${(index + 1).toString(16).padStart(17, '0')}`,
            })),
          },
        ],
      };
    },

    DescribeListeners(input: DescribeListenersCommandInput) {
      let listeners = [...state.listeners.values()];
      if (input.LoadBalancerArn !== undefined) {
        if (input.LoadBalancerArn !== state.loadBalancer.arn) {
          throw err('LoadBalancerNotFoundException', `load balancer ${input.LoadBalancerArn} not found`);
        }
        listeners = listeners.filter((l) => l.loadBalancerArn === input.LoadBalancerArn);
      } else if (input.ListenerArns !== undefined) {
        listeners = input.ListenerArns.map((arn) => {
          const found = state.listeners.get(arn);
          if (found === undefined) throw err('ListenerNotFoundException', `listener ${arn} not found`);
          return found;
        });
      } else {
        throw err('ValidationError', 'LoadBalancerArn or ListenerArns is required');
      }
      const { page, next } = paginate('elbv2', listeners, input.Marker, checkPageSize(input.PageSize));
      return { Listeners: page.map(listenerOut), NextMarker: next };
    },

    DescribeTargetGroups(input: DescribeTargetGroupsCommandInput) {
      let groups = [...state.targetGroups.values()];
      if (input.LoadBalancerArn !== undefined) {
        const forwarded = new Set(
          [...state.listeners.values()]
            .filter((l) => l.loadBalancerArn === input.LoadBalancerArn)
            .map((l) => l.targetGroupArn),
        );
        groups = groups.filter((tg) => forwarded.has(tg.arn));
      }
      if (input.Names !== undefined) {
        groups = input.Names.map((name) => {
          const found = [...state.targetGroups.values()].find((tg) => tg.name === name);
          if (found === undefined) {
            throw err('TargetGroupNotFoundException', `One or more target groups not found: ${name}`);
          }
          return found;
        });
      }
      if (input.TargetGroupArns !== undefined) groups = input.TargetGroupArns.map((arn) => requireTg(arn));
      const { page, next } = paginate('elbv2', groups, input.Marker, checkPageSize(input.PageSize));
      return { TargetGroups: page.map(tgOut), NextMarker: next };
    },

    DescribeTags(input: DescribeTagsCommandInput) {
      const arns = input.ResourceArns ?? [];
      if (arns.length === 0 || arns.length > 20) {
        throw err('ValidationError', `ResourceArns must hold 1-20 ARNs, got ${arns.length}`);
      }
      return {
        TagDescriptions: arns.map((arn) => ({
          ResourceArn: arn,
          Tags: Object.entries(taggable(arn).tags).map(([Key, Value]) => ({ Key, Value })),
        })),
      };
    },

    DescribeTargetHealth(input: DescribeTargetHealthCommandInput) {
      const tg = requireTg(input.TargetGroupArn);
      return {
        TargetHealthDescriptions: [...tg.targets.values()].map((target) => ({
          Target: { Id: target.id, Port: target.port },
          HealthCheckPort: String(target.port),
          TargetHealth: { State: target.health },
        })),
      };
    },

    CreateTargetGroup(input: CreateTargetGroupCommandInput) {
      const name = input.Name ?? '';
      if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/.test(name) || name.startsWith('internal-')) {
        throw err('ValidationError', `target group name ${name} is not valid (1-32 of A-Z a-z 0-9 -)`);
      }
      const settings = {
        protocol: input.Protocol ?? 'TCP',
        port: input.Port ?? 0,
        vpcId: input.VpcId ?? '',
        targetType: (input.TargetType ?? 'instance') as 'instance' | 'ip',
        healthCheckProtocol: input.HealthCheckProtocol ?? 'TCP',
      };
      const existing = [...state.targetGroups.values()].find((tg) => tg.name === name);
      if (existing !== undefined) {
        const same =
          existing.protocol === settings.protocol &&
          existing.port === settings.port &&
          existing.vpcId === settings.vpcId &&
          existing.targetType === settings.targetType &&
          existing.healthCheckProtocol === settings.healthCheckProtocol;
        // AWS: identical settings → the existing group (tags in the request are not applied); else an error.
        if (same) return { TargetGroups: [tgOut(existing)] };
        throw err('DuplicateTargetGroupNameException', `A target group with the same name '${name}' exists`);
      }
      const tg: FakeTargetGroup = {
        arn: `${arnPrefix}:targetgroup/${name}/${ids.next(16)}`,
        name,
        ...settings,
        tags: Object.fromEntries((input.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])),
        targets: new Map(),
        attributes: {},
      };
      state.targetGroups.set(tg.arn, tg);
      return { TargetGroups: [tgOut(tg)] };
    },

    DescribeTargetGroupAttributes(input: DescribeTargetGroupAttributesCommandInput) {
      const tg = requireTg(input.TargetGroupArn);
      const defaults: Record<string, string> = {
        'deregistration_delay.timeout_seconds': '300',
        'load_balancing.cross_zone.enabled': 'use_load_balancer_configuration',
        'preserve_client_ip.enabled': tg.targetType === 'instance' ? 'true' : 'false',
        'tcp.idle_timeout.seconds': '350',
      };
      return {
        Attributes: Object.entries({ ...defaults, ...tg.attributes }).map(([Key, Value]) => ({ Key, Value })),
      };
    },

    ModifyTargetGroupAttributes(input: ModifyTargetGroupAttributesCommandInput) {
      const tg = requireTg(input.TargetGroupArn);
      const allowed: Record<string, RegExp> = {
        'deregistration_delay.timeout_seconds': /^(\d|[1-9]\d{1,2}|[1-2]\d{3}|3[0-5]\d{2}|3600)$/,
        'load_balancing.cross_zone.enabled': /^(true|false|use_load_balancer_configuration)$/,
        'preserve_client_ip.enabled': /^(true|false)$/,
        // NLB TCP idle timeout: 60-6000 seconds.
        'tcp.idle_timeout.seconds': /^([6-9]\d|[1-9]\d{2,3})$/,
      };
      for (const attribute of input.Attributes ?? []) {
        const rule = allowed[attribute.Key ?? ''];
        if (rule === undefined || !rule.test(attribute.Value ?? '')) {
          throw err('InvalidConfigurationRequestException', `invalid attribute ${attribute.Key}=${attribute.Value}`);
        }
        if (attribute.Key === 'tcp.idle_timeout.seconds' && Number(attribute.Value) > 6000) {
          throw err('InvalidConfigurationRequestException', 'tcp.idle_timeout.seconds must be 60-6000');
        }
      }
      tg.attributes ??= {};
      for (const attribute of input.Attributes ?? []) tg.attributes[attribute.Key!] = attribute.Value!;
      return { Attributes: (input.Attributes ?? []).map(({ Key, Value }) => ({ Key, Value })) };
    },

    RegisterTargets(input: RegisterTargetsCommandInput) {
      const tg = requireTg(input.TargetGroupArn);
      for (const target of input.Targets ?? []) {
        const id = target.Id ?? '';
        const instance = state.instances.find((candidate) => candidate.instanceId === id);
        if (tg.targetType === 'instance' && (instance === undefined || instance.state === 'terminated')) {
          throw err('InvalidTargetException', `The following targets are not valid instances: ${id}`);
        }
        // AWS refuses instances that are not running (moto too: "not in a running state and cannot be registered").
        if (tg.targetType === 'instance' && instance !== undefined && instance.state !== 'running') {
          throw err(
            'InvalidTargetException',
            `The following targets are not in a running state and cannot be registered: '${id}'`,
          );
        }
        if (tg.targetType === 'ip' && !/^\d{1,3}(?:\.\d{1,3}){3}$/.test(id)) {
          throw err('InvalidTargetException', `The IP address '${id}' is not a valid IPv4 address`);
        }
        const port = target.Port ?? tg.port;
        const key = `${id}:${port}`;
        if (!tg.targets.has(key)) {
          const running = tg.targetType === 'ip' || instance?.state === 'running';
          tg.targets.set(key, { id, port, health: running ? 'healthy' : 'unused' });
        }
      }
      return {};
    },

    DeregisterTargets(input: DeregisterTargetsCommandInput) {
      const tg = requireTg(input.TargetGroupArn);
      for (const target of input.Targets ?? []) tg.targets.delete(`${target.Id}:${target.Port ?? tg.port}`);
      return {};
    },

    CreateListener(input: CreateListenerCommandInput) {
      if (input.LoadBalancerArn !== state.loadBalancer.arn) {
        throw err('LoadBalancerNotFoundException', `load balancer ${input.LoadBalancerArn} not found`);
      }
      const targetGroupArn = forwardTarget(input.DefaultActions);
      requireTg(targetGroupArn);
      const port = input.Port ?? 0;
      const existing = [...state.listeners.values()].find(
        (l) => l.loadBalancerArn === input.LoadBalancerArn && l.port === port,
      );
      if (existing !== undefined) {
        if (existing.protocol === (input.Protocol ?? 'TCP') && existing.targetGroupArn === targetGroupArn) {
          return { Listeners: [listenerOut(existing)] };
        }
        throw err('DuplicateListenerException', 'A listener already exists on this port for this load balancer');
      }
      const onLb = [...state.listeners.values()].filter((l) => l.loadBalancerArn === input.LoadBalancerArn);
      if (onLb.length >= 50) throw err('TooManyListenersException', 'You have reached the limit of 50 listeners');
      const listener: FakeListener = {
        arn: `${arnPrefix}:listener/${lbSuffix}/${ids.next(16)}`,
        loadBalancerArn: input.LoadBalancerArn,
        port,
        protocol: input.Protocol ?? 'TCP',
        targetGroupArn,
        tags: Object.fromEntries((input.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])),
      };
      state.listeners.set(listener.arn, listener);
      return { Listeners: [listenerOut(listener)] };
    },

    ModifyListener(input: ModifyListenerCommandInput) {
      const listener = input.ListenerArn === undefined ? undefined : state.listeners.get(input.ListenerArn);
      if (listener === undefined) throw err('ListenerNotFoundException', `listener ${input.ListenerArn} not found`);
      if (input.DefaultActions !== undefined) {
        const targetGroupArn = forwardTarget(input.DefaultActions);
        requireTg(targetGroupArn);
        listener.targetGroupArn = targetGroupArn;
      }
      return { Listeners: [listenerOut(listener)] };
    },

    DeleteListener(input: DeleteListenerCommandInput) {
      if (input.ListenerArn === undefined || !state.listeners.delete(input.ListenerArn)) {
        throw err('ListenerNotFoundException', `listener ${input.ListenerArn} not found`);
      }
      return {};
    },

    DeleteTargetGroup(input: DeleteTargetGroupCommandInput) {
      const arn = input.TargetGroupArn ?? '';
      const user = [...state.listeners.values()].find((l) => l.targetGroupArn === arn);
      if (user !== undefined) {
        throw err('ResourceInUseException', `Target group '${arn}' is currently in use by a listener or a rule`);
      }
      state.targetGroups.delete(arn);
      return {};
    },

    AddTags(input: AddTagsCommandInput) {
      for (const arn of input.ResourceArns ?? []) {
        const resource = taggable(arn);
        for (const tag of input.Tags ?? []) resource.tags[tag.Key ?? ''] = tag.Value ?? '';
        if (Object.keys(resource.tags).length > 50) throw err('TooManyTagsException', 'more than 50 tags');
      }
      return {};
    },

    RemoveTags(input: RemoveTagsCommandInput) {
      for (const arn of input.ResourceArns ?? []) {
        const resource = taggable(arn);
        for (const key of input.TagKeys ?? []) delete resource.tags[key];
      }
      return {};
    },
  };
}
