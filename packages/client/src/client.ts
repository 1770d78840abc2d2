import { Admin, type AdminOptions } from './admin/admin.js';
import { Consumer } from './consumer/consumer.js';
import type { ConsumerOptions } from './consumer/consumer-options.js';
import { Cluster, type ClusterOptions } from './network/cluster.js';
import { Producer, type ProducerOptions } from './producer/producer.js';

/** Options of `SluiceClient`: where the cluster is and how to talk to it. */
export type SluiceClientOptions = ClusterOptions;

/**
 * The entry point: holds the connection settings and makes producers, consumers and admin
 * clients. Each of those has its own connections (like Kafka's separate clients), closed by its
 * own `close()`. Works against Sluice and any Kafka broker: it speaks only the Kafka protocol.
 *
 * ```ts
 * const client = new SluiceClient({ bootstrapServers: ['127.0.0.1:9092'], clientId: 'app' });
 * const producer = client.producer({ compression: 'lz4' });
 * await producer.send({ topic: 'logs', value: 'hello' });
 * await producer.close();
 * ```
 * Throws TypeError for an empty or malformed `bootstrapServers` list.
 */
export class SluiceClient {
  constructor(readonly options: SluiceClientOptions) {
    // Validate early, so a bad address fails here rather than at the first request.
    new Cluster(options);
  }

  /** A new producer. Throws TypeError for an unknown compression codec or invalid acks. */
  producer(options: ProducerOptions = {}): Producer {
    return new Producer(new Cluster(this.options), options);
  }

  /** A new consumer: `subscribe()` (with a groupId) or `assign()`. Throws TypeError for an unknown assignor. */
  consumer(options: ConsumerOptions = {}): Consumer {
    return new Consumer(new Cluster(this.options), options);
  }

  /** A new admin client. */
  admin(options: AdminOptions = {}): Admin {
    return new Admin(new Cluster(this.options), options);
  }
}
