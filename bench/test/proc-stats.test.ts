import { describe, expect, it } from 'vitest';
import { ProcessMeter, processStat } from '../../packages/cli/src/bench/index.js';

// The bench reports CPU and minor page faults from /proc/<pid>/stat; these tests check the fields
// read are the right ones by comparing with getrusage(2) through process.resourceUsage().
describe.runIf(process.platform === 'linux')('process figures from /proc', () => {
  it('reads the minor page faults getrusage reports for the same process', () => {
    const fromProc = processStat(process.pid)!;
    const fromRusage = process.resourceUsage().minorPageFault;
    expect(fromProc).not.toBeNull();
    // Faults taken between the two reads (a few at most) are the only difference.
    expect(Math.abs(fromProc.minorFaults - fromRusage)).toBeLessThan(200);
    expect(fromProc.cpuMs).toBeGreaterThan(0);
  });

  it('counts the first touches of freshly allocated memory', () => {
    const meter = new ProcessMeter(process.pid);
    meter.start();
    const before = process.resourceUsage().minorPageFault;
    const bytes = 64 * 1024 * 1024;
    const fresh = Buffer.allocUnsafeSlow(bytes);
    for (let i = 0; i < bytes; i += 4096) fresh[i] = 1;
    const rusageDelta = process.resourceUsage().minorPageFault - before;
    const figures = meter.stop();
    expect(fresh[bytes - 4096]).toBe(1);
    expect(figures.minorFaults).not.toBeNull();
    // 16,384 pages of 4 KiB; fewer with transparent huge pages, so compare with getrusage.
    expect(figures.minorFaults!).toBeGreaterThanOrEqual(rusageDelta);
    expect(rusageDelta).toBeGreaterThan(0);
    expect(figures.cpuMs).not.toBeNull();
  });

  it('gives null for a process that does not exist', () => {
    expect(processStat(2 ** 22 + 12345)).toBeNull();
    const meter = new ProcessMeter(2 ** 22 + 12345);
    meter.start();
    expect(meter.stop()).toEqual({ cpuMs: null, cpuCores: null, minorFaults: null });
  });
});
