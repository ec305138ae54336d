import { ensureApacheKafka, KAFKA_VERSION } from '../../testkit/apache-kafka/install.ts';
import type { Dependency } from './registry.ts';

/** Real Apache Kafka (jars from Maven Central, pinned in testkit/apache-kafka/pom.xml) for the real-Kafka suite. */
export const kafka: Dependency = {
  name: `apache-kafka-${KAFKA_VERSION}`,
  async ensure(cacheDir) {
    await ensureApacheKafka(cacheDir);
  },
};
