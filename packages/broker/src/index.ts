/**
 * @sluice/broker: the Kafka-compatible broker — TCP server, request handlers, group coordinator.
 * Embed it with `startBroker({ dataDir, port: 0 })`.
 */
export { startBroker, type RunningBroker, type StartBrokerOptions } from './server.js';
export { Broker, type AdvertisedEndpoint } from './broker.js';
export { ClusterNode, DuplicateNodeIdError, MetadataStoreUnavailableError } from './cluster/cluster-node.js';
export { EtcdMetadataStore, type EtcdMetadataStoreOptions } from './cluster/etcd-metadata-store.js';
export type * from './cluster/metadata-store.js';
export {
  BROKER_CONFIG_KEYS,
  isBrokerConfigKey,
  resolveBrokerConfig,
  type BrokerConfig,
  type BrokerConfigInput,
} from './config/broker-config.js';
export { BrokerConfigError, type ConfigKey } from './config/config-def.js';
export { parseJavaProperties, PropertiesSyntaxError, type PropertiesEntry } from './config/java-properties.js';
export { renderConfigurationDoc } from './config/config-docs.js';
export { renderProtocolTable } from './handlers/protocol-docs.js';
export { logConfigDefaults } from './config/log-config-defaults.js';
export { TOPIC_CONFIG_BROKER_SYNONYMS } from './config/log-config-defaults.js';
