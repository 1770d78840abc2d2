import { execFileSync } from 'node:child_process';

/**
 * Fails loudly unless iptables runs here with the rights to change rules (root, CAP_NET_ADMIN):
 * the network-partition tests must not pass without cutting anything. `npm test` installs it
 * (scripts/install-test-tools.sh: Debian iptables); so does .ci/run.
 */
export function requireIptables(): void {
  try {
    execFileSync('iptables', ['-w', '5', '-S', 'OUTPUT'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(`iptables cannot list rules here (${(err as Error).message.split('\n')[0]}): run \`bash scripts/install-test-tools.sh\` (apt-get install iptables) as root`);
  }
}

/** One DROP rule of the OUTPUT chain: packets from `source` to `destination` (either may be absent: any). */
interface DropRule {
  readonly source?: string;
  readonly destination?: string;
}

/**
 * Cuts links between loopback addresses with iptables DROP rules in the OUTPUT chain (every
 * packet on loopback passes it), each tagged with a comment naming this process so `heal()`
 * removes exactly the rules it added and a later run removes those a killed run left behind.
 * Only 127.0.0.0/8 addresses are accepted: no rule can touch other traffic of the machine.
 * Dropped packets vanish silently, as on a cut network (no reset: TCP retries until healed).
 */
export class LinkCutter {
  private readonly tag = `sluice-test-${process.pid}`;
  private readonly rules: DropRule[] = [];

  constructor() {
    requireIptables();
    removeRulesOfDeadRuns();
  }

  /** Cuts every packet between `a` and `b`, both ways. */
  cut(a: string, b: string): void {
    this.drop({ source: a, destination: b });
    this.drop({ source: b, destination: a });
  }

  /** Cuts every packet to and from `address` (whoever the peer). */
  isolate(address: string): void {
    this.drop({ destination: address });
    this.drop({ source: address });
  }

  /** Removes every rule this cutter added. */
  heal(): void {
    for (const rule of this.rules.splice(0)) iptables(['-D', 'OUTPUT', ...this.spec(rule)]);
  }

  private drop(rule: DropRule): void {
    for (const address of [rule.source, rule.destination]) {
      if (address !== undefined && !/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address)) throw new Error(`LinkCutter only cuts loopback addresses, not ${address}`);
    }
    iptables(['-I', 'OUTPUT', ...this.spec(rule)]);
    this.rules.push(rule);
  }

  private spec(rule: DropRule): string[] {
    return [
      ...(rule.source !== undefined ? ['-s', rule.source] : []),
      ...(rule.destination !== undefined ? ['-d', rule.destination] : []),
      '-m', 'comment', '--comment', this.tag,
      '-j', 'DROP',
    ];
  }
}

function iptables(args: string[]): void {
  execFileSync('iptables', ['-w', '5', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Deletes OUTPUT rules tagged by a test process that no longer runs (a run killed before it healed). */
function removeRulesOfDeadRuns(): void {
  const listed = execFileSync('iptables', ['-w', '5', '-S', 'OUTPUT'], { encoding: 'utf8' });
  for (const line of listed.split('\n')) {
    const pid = /--comment "?sluice-test-(\d+)"?/.exec(line)?.[1];
    if (pid === undefined || isRunning(Number(pid))) continue;
    iptables(['-D', ...line.replace(/^-A /, '').replace(/"/g, '').split(' ')]);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
