import { applyListenerExposures } from '../shared/properties/index.ts';
const out: string[] = [];
let i = 0;
while (out.length < 1988) { out.push(`# Section ${i}: tuning notes for subsystem ${i}, see the runbook`, `subsystem${i}.buffer.bytes=${1024 * (i + 1)}`, `subsystem${i}.threads = ${(i % 16) + 1}`, `subsystem${i}.hosts=a.example.com:1,\\`, `    b.example.com:2`, ''); if (i === 150) out.push('process.roles=broker,controller','node.id=1','listeners=INTERNAL://0.0.0.0:9092,CONTROLLER://0.0.0.0:29092','inter.broker.listener.name=INTERNAL','advertised.listeners=INTERNAL://10.0.0.11:9092','controller.listener.names=CONTROLLER','listener.security.protocol.map=INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT'); i++; }
const text = out.join('\n') + '\n';
const ex = [{ name: 'EXTERNAL', bindHost: '0.0.0.0', bindPort: 39092, advertisedHost: 'b1.x.com', advertisedPort: 9093, securityProtocol: 'PLAINTEXT' as const }];
for (let k = 0; k < 2000; k++) applyListenerExposures(text, ex);
