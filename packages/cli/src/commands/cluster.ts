import type { Argv, CommandModule } from 'yargs';
import { withAdmin, withBootstrapServer, withTextOrJsonFormat, type BootstrapArgs } from '../client/client-args.js';
import { cliVersion } from '../cluster/cli-version.js';
import { clusterStatus } from '../cluster/cluster-status.js';
import { formatClusterInfo, formatClusterStatus, formatLogDirs } from '../cluster/format-cluster.js';
import { writeOut } from '../output/write-out.js';

interface ClusterArgs extends BootstrapArgs {
  format: 'text' | 'json';
}

/** Adds `--bootstrap-server` and `--format text|json` (as `groups describe` has). */
function withClusterOptions(yargs: Argv): Argv<ClusterArgs> {
  return withTextOrJsonFormat(withBootstrapServer(yargs)) as Argv<ClusterArgs>;
}

/** One Metadata request for every topic, through an admin client closed afterwards. */
function describeCluster(args: BootstrapArgs) {
  return withAdmin(args, 'sluice-cluster', (admin) => admin.describeCluster());
}

const status: CommandModule<object, ClusterArgs> = {
  command: 'status',
  describe: 'Show brokers with the partitions each leads and holds, then under-replicated and offline partitions',
  builder: (yargs: Argv) =>
    withClusterOptions(yargs)
      .example('$0 cluster status', 'Brokers, controller and partition health of the cluster at 127.0.0.1:9092')
      .example('$0 cluster status --format json', 'The same as JSON') as Argv<ClusterArgs>,
  handler: async (args) => {
    const summary = clusterStatus(await describeCluster(args));
    await writeOut(args.format === 'json' ? JSON.stringify(summary) + '\n' : formatClusterStatus(summary));
  },
};

const info: CommandModule<object, ClusterArgs> = {
  command: 'info',
  describe: 'Show the cluster id, controller and brokers, and the version of this command line',
  builder: (yargs: Argv) =>
    withClusterOptions(yargs)
      .example('$0 cluster info', 'Who is in the cluster at 127.0.0.1:9092')
      .example('$0 cluster info --format json', 'The same as JSON') as Argv<ClusterArgs>,
  handler: async (args) => {
    const description = await describeCluster(args);
    const version = cliVersion();
    if (args.format === 'json') {
      const { clusterId, controllerId, brokers } = description;
      await writeOut(JSON.stringify({ version, clusterId, controllerId, brokers }) + '\n');
      return;
    }
    await writeOut(formatClusterInfo(description, version));
  },
};

interface LogDirsArgs extends ClusterArgs {
  topic: string[];
}

const logDirs: CommandModule<object, LogDirsArgs> = {
  command: 'log-dirs',
  describe: "Show each broker's log directory and the size and offset lag of every partition log in it",
  builder: (yargs: Argv) =>
    withClusterOptions(yargs)
      .option('topic', { type: 'string', array: true, default: [], describe: 'Only the partitions of this topic (repeatable)' })
      .example('$0 cluster log-dirs', 'Every partition log of every broker, with its size in bytes')
      .example('$0 cluster log-dirs --topic orders --format json', "The logs of topic orders, as JSON") as Argv<LogDirsArgs>,
  handler: async (args) => {
    let brokers = await withAdmin(args, 'sluice-cluster', (admin) => admin.describeLogDirs());
    // DescribeLogDirs filters by partition, not topic: whole topics are picked here.
    const topics = new Set(args.topic);
    if (topics.size > 0) {
      brokers = brokers.map((b) => ({ ...b, logDirs: b.logDirs.map((d) => ({ ...d, replicas: d.replicas.filter((r) => topics.has(r.topic)) })) }));
    }
    await writeOut(args.format === 'json' ? JSON.stringify(brokers) + '\n' : formatLogDirs(brokers));
  },
};

/** `sluice cluster status|info` from one Metadata request and `log-dirs` from DescribeLogDirs (Kafka `kafka-cluster.sh`, `kafka-topics.sh --under-replicated-partitions`, `kafka-log-dirs.sh --describe`). */
export const clusterCommand: CommandModule = {
  command: 'cluster <command>',
  describe: 'Show the brokers, controller and partition health of a cluster',
  builder: (yargs: Argv) =>
    yargs
      .command(status)
      .command(info)
      .command(logDirs)
      .demandCommand(1, 'Name a cluster command: status, info or log-dirs')
      .example('$0 cluster status', 'Partitions led and held per broker; under-replicated and offline partitions')
      .example('$0 cluster info', 'Cluster id, controller, brokers and the CLI version')
      .example('$0 cluster log-dirs', 'Size and offset lag of every partition log, per broker (kafka-log-dirs.sh --describe)'),
  handler: () => undefined,
};
