import type { Argv, CommandModule } from 'yargs';
import { CLI_RETRY, clientFromArgs, withBootstrapServer, withTextOrJsonFormat, type BootstrapArgs } from '../client/client-args.js';
import { cliVersion } from '../cluster/cli-version.js';
import { clusterStatus } from '../cluster/cluster-status.js';
import { formatClusterInfo, formatClusterStatus } from '../cluster/format-cluster.js';
import { writeOut } from '../output/write-out.js';

interface ClusterArgs extends BootstrapArgs {
  format: 'text' | 'json';
}

/** Adds `--bootstrap-server` and `--format text|json` (as `groups describe` has). */
function withClusterOptions(yargs: Argv): Argv<ClusterArgs> {
  return withTextOrJsonFormat(withBootstrapServer(yargs)) as Argv<ClusterArgs>;
}

/** One Metadata request for every topic, through an admin client closed afterwards. */
async function describeCluster(args: BootstrapArgs) {
  const admin = clientFromArgs(args, 'sluice-cluster').admin({ retry: CLI_RETRY });
  try {
    return await admin.describeCluster();
  } finally {
    await admin.close();
  }
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

/** `sluice cluster status|info` from one Metadata request (Kafka `kafka-cluster.sh`, `kafka-topics.sh --under-replicated-partitions`). */
export const clusterCommand: CommandModule = {
  command: 'cluster <command>',
  describe: 'Show the brokers, controller and partition health of a cluster',
  builder: (yargs: Argv) =>
    yargs
      .command(status)
      .command(info)
      .demandCommand(1, 'Name a cluster command: status or info')
      .example('$0 cluster status', 'Partitions led and held per broker; under-replicated and offline partitions')
      .example('$0 cluster info', 'Cluster id, controller, brokers and the CLI version'),
  handler: () => undefined,
};
