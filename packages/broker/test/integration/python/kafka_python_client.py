"""kafka-python (Debian python3-kafka 2.0.2) against a Sluice broker; driven by python-admin.test.ts.

Usage: kafka_python_client.py PHASE BOOTSTRAP TOPIC
  admin      KafkaAdminClient: create_topics (twice: the second is TOPIC_ALREADY_EXISTS),
             describe_configs, alter_configs (a valid and an invalid value), create_partitions
             (grow to 3, then shrink to 2: INVALID_PARTITIONS), describe_topics, delete_topics.
  roundtrip  KafkaProducer sends 5 records to partition 0; a KafkaConsumer in a group reads them
             and commits.
  groups     KafkaAdminClient: list_consumer_groups, describe_consumer_groups,
             list_consumer_group_offsets, then delete_consumer_groups of TOPIC-group.
  offsets    KafkaConsumer.beginning_offsets / end_offsets of every partition (ListOffsets).
  old API_VERSION OFFSET
             A KafkaConsumer told the broker version (e.g. 0.8.1, 0.8.2: no ApiVersions) finds
             partition 0's end and beginning by seek and position (ListOffsets v0) and commits
             OFFSET for group TOPIC-old (OffsetCommit v0 for 0.8.1, v1 for 0.8.2); client id
             kafka-python-API_VERSION.
Prints one JSON object on stdout; the test asserts on it. kafka-python 2.0.2 has no
delete_records and no describe_log_dirs, so neither is called here.
"""
import json
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata
from kafka.errors import KafkaError
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic

PHASE, BOOTSTRAP, TOPIC = sys.argv[1], sys.argv[2], sys.argv[3]
DEADLINE_S = 20


def error_code(call):
    """0 when `call` succeeds, else the Kafka error code kafka-python raised it with."""
    try:
        call()
        return 0
    except KafkaError as e:
        return e.errno


def topic_configs(admin, name):
    """{config name: [value, configSource]} of a topic, from DescribeConfigs."""
    response = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])[0]
    resource = response.resources[0]
    assert resource[0] == 0, resource
    return {entry[0]: [entry[1], entry[3]] for entry in resource[4]}


def admin_phase():
    admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP, client_id='kafka-python-admin')
    out = {'apiVersions': {str(k): list(v) for k, v in admin._client.get_api_versions().items()}}
    created = admin.create_topics([NewTopic(TOPIC, 1, 1, topic_configs={'retention.ms': '3600000', 'segment.bytes': '1048576'})])
    out['createTopics'] = [[t[0], t[1]] for t in created.topic_errors]
    out['createTopicsAgain'] = error_code(lambda: admin.create_topics([NewTopic(TOPIC, 1, 1)]))
    before = topic_configs(admin, TOPIC)
    out['configsBefore'] = {k: before[k] for k in ('retention.ms', 'segment.bytes', 'cleanup.policy')}
    # AlterConfigs replaces the whole set: segment.bytes, not named, returns to its default.
    altered = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, TOPIC, configs={'retention.ms': '7200000'})])
    out['alterConfigs'] = [[r[0], r[3]] for r in altered.resources]
    after = topic_configs(admin, TOPIC)
    out['configsAfter'] = {k: after[k] for k in ('retention.ms', 'segment.bytes', 'cleanup.policy')}
    # alter_configs returns the response without raising on a resource's error code.
    invalid = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, TOPIC, configs={'retention.ms': 'soon'})])
    out['alterConfigsInvalid'] = [[r[0], r[3]] for r in invalid.resources]
    out['retentionAfterInvalid'] = topic_configs(admin, TOPIC)['retention.ms']
    grown = admin.create_partitions({TOPIC: NewPartitions(3)})
    out['createPartitions'] = [[t[0], t[1]] for t in grown.topic_errors]
    out['createPartitionsShrink'] = error_code(lambda: admin.create_partitions({TOPIC: NewPartitions(2)}))
    described = admin.describe_topics([TOPIC])
    out['partitions'] = sorted(p['partition'] for p in described[0]['partitions'])
    broker = admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, '0')])[0].resources[0]
    out['brokerConfigs'] = {e[0]: [e[1], e[3]] for e in broker[4] if e[0] in ('num.partitions', 'log.retention.ms')}
    scratch = TOPIC + '-scratch'
    admin.create_topics([NewTopic(scratch, 1, 1)])
    deleted = admin.delete_topics([scratch])
    out['deleteTopics'] = [[t[0], t[1]] for t in deleted.topic_error_codes]
    out['topicsAfterDelete'] = sorted(t for t in admin.list_topics() if t.startswith(TOPIC))
    admin.close()
    return out


def roundtrip_phase():
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, client_id='kafka-python-producer', acks='all')
    sent = [producer.send(TOPIC, key=b'k', value=('v%d' % i).encode(), partition=0).get(timeout=10) for i in range(5)]
    producer.close()
    consumer = KafkaConsumer(TOPIC, bootstrap_servers=BOOTSTRAP, group_id=TOPIC + '-group', auto_offset_reset='earliest',
                             enable_auto_commit=False, consumer_timeout_ms=1000)
    values = []
    deadline = time.time() + DEADLINE_S
    while len(values) < 5 and time.time() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            values.extend((r.partition, r.offset, r.value.decode()) for r in records)
    consumer.commit()
    committed = consumer.committed(TopicPartition(TOPIC, 0))
    consumer.close()
    return {'sentOffsets': [m.offset for m in sent], 'consumed': values, 'committed': committed}


def groups_phase():
    admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP, client_id='kafka-python-groups')
    group = TOPIC + '-group'
    listed = sorted(g for g in admin.list_consumer_groups() if g[0] == group)
    described = admin.describe_consumer_groups([group])[0]
    offsets = admin.list_consumer_group_offsets(group)
    deleted = admin.delete_consumer_groups([group])
    after = [g for g in admin.list_consumer_groups() if g[0] == group]
    admin.close()
    return {
        'listed': [list(g) for g in listed],
        'described': [described.error_code, described.group, described.state, described.protocol_type, len(described.members)],
        'offsets': sorted([tp.topic, tp.partition, om.offset] for tp, om in offsets.items()),
        'deleted': [[g, err.errno] for g, err in deleted],
        'listedAfterDelete': after,
    }


def offsets_phase():
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, client_id='kafka-python-offsets')
    partitions = [TopicPartition(TOPIC, p) for p in sorted(consumer.partitions_for_topic(TOPIC))]
    begin = consumer.beginning_offsets(partitions)
    end = consumer.end_offsets(partitions)
    consumer.close()
    return {'beginning': [begin[tp] for tp in partitions], 'end': [end[tp] for tp in partitions]}


def old_phase():
    api_version = tuple(int(x) for x in sys.argv[4].split('.'))
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=TOPIC + '-old', api_version=api_version,
                             enable_auto_commit=False, client_id='kafka-python-' + sys.argv[4])
    tp = TopicPartition(TOPIC, 0)
    consumer.assign([tp])
    consumer.seek_to_end(tp)
    end = consumer.position(tp)
    consumer.seek_to_beginning(tp)
    beginning = consumer.position(tp)
    consumer.commit({tp: OffsetAndMetadata(int(sys.argv[5]), 'old')})
    consumer.close()
    # A consumer without the partition assigned asks the broker (an assigned one answers from its cache).
    reader = KafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=TOPIC + '-old', api_version=api_version,
                           enable_auto_commit=False, client_id='kafka-python-' + sys.argv[4])
    committed = reader.committed(tp)
    reader.close()
    return {'beginning': beginning, 'end': end, 'committed': committed}


PHASES = {'admin': admin_phase, 'roundtrip': roundtrip_phase, 'groups': groups_phase, 'offsets': offsets_phase, 'old': old_phase}
print(json.dumps(PHASES[PHASE]()))
