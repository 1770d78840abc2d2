"""confluent-kafka (Debian python3-confluent-kafka 1.7, over librdkafka) against a Sluice broker;
driven by python-admin.test.ts.

Usage: confluent_kafka_client.py PHASE BOOTSTRAP TOPIC
  admin      AdminClient: create_topics (validate_only, then for real, then again:
             TOPIC_ALREADY_EXISTS), describe_configs, alter_configs (a valid and an invalid
             value), create_partitions (grow to 3, then shrink to 2: INVALID_PARTITIONS),
             list_topics, delete_topics; then the error codes of bad requests.
  roundtrip  Producer sends 5 records to partition 0; a Consumer in a group (subscribe) reads
             them and commits synchronously.
  groups     AdminClient.list_groups: TOPIC-group with its state, protocol type and members.
  offsets    Consumer.get_watermark_offsets of every partition (ListOffsets).
Prints one JSON object on stdout; the test asserts on it. confluent-kafka 1.7's AdminClient has
no delete_records and no describe_log_dirs, so neither is called here.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

PHASE, BOOTSTRAP, TOPIC = sys.argv[1], sys.argv[2], sys.argv[3]
TIMEOUT_S = 10


def one_result(futures):
    """None when the single future of an admin call succeeds, else the Kafka error code it failed with."""
    (future,) = futures.values()
    try:
        return future.result(timeout=TIMEOUT_S)
    except KafkaException as e:
        return e.args[0].code()


def topic_configs(admin, name):
    """{config name: [value, source]} of a topic, from DescribeConfigs."""
    entries = one_result(admin.describe_configs([ConfigResource('topic', name)]))
    return {k: [v.value, v.source] for k, v in entries.items()}


def admin_phase():
    admin = AdminClient({'bootstrap.servers': BOOTSTRAP, 'client.id': 'confluent-kafka-admin'})
    new_topic = lambda: NewTopic(TOPIC, num_partitions=1, replication_factor=1,
                                 config={'retention.ms': '3600000', 'segment.bytes': '1048576'})
    out = {}
    out['createTopicsValidateOnly'] = one_result(admin.create_topics([new_topic()], validate_only=True, operation_timeout=TIMEOUT_S))
    out['existsAfterValidateOnly'] = TOPIC in admin.list_topics(timeout=TIMEOUT_S).topics
    out['createTopics'] = one_result(admin.create_topics([new_topic()], operation_timeout=TIMEOUT_S))
    out['createTopicsAgain'] = one_result(admin.create_topics([new_topic()], operation_timeout=TIMEOUT_S))
    before = topic_configs(admin, TOPIC)
    out['configsBefore'] = {k: before[k] for k in ('retention.ms', 'segment.bytes', 'cleanup.policy')}
    out['alterConfigs'] = one_result(admin.alter_configs([ConfigResource('topic', TOPIC, set_config={'retention.ms': '7200000'})]))
    after = topic_configs(admin, TOPIC)
    out['configsAfter'] = {k: after[k] for k in ('retention.ms', 'segment.bytes', 'cleanup.policy')}
    out['alterConfigsInvalid'] = one_result(admin.alter_configs([ConfigResource('topic', TOPIC, set_config={'retention.ms': 'soon'})]))
    out['retentionAfterInvalid'] = topic_configs(admin, TOPIC)['retention.ms']
    out['createPartitions'] = one_result(admin.create_partitions([NewPartitions(TOPIC, 3)], operation_timeout=TIMEOUT_S))
    out['createPartitionsShrink'] = one_result(admin.create_partitions([NewPartitions(TOPIC, 2)], operation_timeout=TIMEOUT_S))
    metadata = admin.list_topics(timeout=TIMEOUT_S)
    out['partitions'] = sorted(metadata.topics[TOPIC].partitions)
    out['leaders'] = sorted({p.leader for p in metadata.topics[TOPIC].partitions.values()})
    out['brokers'] = sorted(metadata.brokers)
    broker = one_result(admin.describe_configs([ConfigResource('broker', '0')]))
    out['brokerConfigs'] = {k: [v.value, v.source] for k, v in broker.items() if k in ('num.partitions', 'log.retention.ms')}
    scratch = TOPIC + '-scratch'
    one_result(admin.create_topics([NewTopic(scratch, num_partitions=1, replication_factor=1)], operation_timeout=TIMEOUT_S))
    out['deleteTopics'] = one_result(admin.delete_topics([scratch], operation_timeout=TIMEOUT_S))
    out['deleteTopicsMissing'] = one_result(admin.delete_topics([TOPIC + '-missing'], operation_timeout=TIMEOUT_S))
    out['topicsAfterDelete'] = sorted(t for t in admin.list_topics(timeout=TIMEOUT_S).topics if t.startswith(TOPIC))
    create = lambda topic: one_result(admin.create_topics([topic], operation_timeout=TIMEOUT_S))
    out['errors'] = {
        'replicationFactor3': create(NewTopic(TOPIC + '-rf3', 1, 3)),
        'badName': create(NewTopic(TOPIC + ' bad!', 1, 1)),
        'badConfig': create(NewTopic(TOPIC + '-cfg', 1, 1, config={'cleanup.policy': 'nope'})),
        'unknownConfig': create(NewTopic(TOPIC + '-cfg', 1, 1, config={'no.such.key': '1'})),
        'describeMissing': one_result(admin.describe_configs([ConfigResource('topic', TOPIC + '-missing')])),
        'alterBroker': one_result(admin.alter_configs([ConfigResource('broker', '0', set_config={'log.retention.ms': '1000'})])),
        'deleteInternal': one_result(admin.delete_topics(['__consumer_offsets'], operation_timeout=TIMEOUT_S)),
    }
    return out


def roundtrip_phase():
    delivered = []
    producer = Producer({'bootstrap.servers': BOOTSTRAP, 'client.id': 'confluent-kafka-producer', 'acks': 'all'})
    for i in range(5):
        producer.produce(TOPIC, key=b'k', value=b'v%d' % i, partition=0,
                         on_delivery=lambda err, m: delivered.append(m.offset() if err is None else str(err)))
    remaining = producer.flush(TIMEOUT_S)
    consumer = Consumer({'bootstrap.servers': BOOTSTRAP, 'group.id': TOPIC + '-group', 'auto.offset.reset': 'earliest',
                         'enable.auto.commit': False})
    consumer.subscribe([TOPIC])
    values = []
    deadline = time.time() + 2 * TIMEOUT_S
    while len(values) < 5 and time.time() < deadline:
        m = consumer.poll(0.5)
        if m is not None and m.error() is None:
            values.append([m.partition(), m.offset(), m.value().decode()])
    consumer.commit(asynchronous=False)
    committed = consumer.committed([TopicPartition(TOPIC, 0)], timeout=TIMEOUT_S)[0].offset
    consumer.close()
    return {'unflushed': remaining, 'deliveredOffsets': delivered, 'consumed': values, 'committed': committed}


def groups_phase():
    admin = AdminClient({'bootstrap.servers': BOOTSTRAP, 'client.id': 'confluent-kafka-groups'})
    group = TOPIC + '-group'
    listed = [g for g in admin.list_groups(timeout=TIMEOUT_S) if g.id == group]
    return {'listed': [[g.id, g.state, g.protocol_type, len(g.members), g.error.code() if g.error else 0] for g in listed]}


def offsets_phase():
    consumer = Consumer({'bootstrap.servers': BOOTSTRAP, 'group.id': TOPIC + '-offsets'})
    partitions = sorted(consumer.list_topics(TOPIC, timeout=TIMEOUT_S).topics[TOPIC].partitions)
    marks = [consumer.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=TIMEOUT_S) for p in partitions]
    consumer.close()
    return {'beginning': [m[0] for m in marks], 'end': [m[1] for m in marks]}


PHASES = {'admin': admin_phase, 'roundtrip': roundtrip_phase, 'groups': groups_phase, 'offsets': offsets_phase}
print(json.dumps(PHASES[PHASE]()))
