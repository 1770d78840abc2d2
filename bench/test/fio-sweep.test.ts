import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

interface SweepPoint {
  blockBytes: number;
  syncEvery: number;
  ioengine: string;
  iodepth: number;
  mbPerSec?: number;
  skipped?: boolean;
}
interface Mount {
  mountPoint: string;
  fsType: string;
  device: string;
}

// Plain JavaScript modules of `npm run bench`, imported as the other bench tests do.
const { matchesBrokerCadence, pickLimit, pointLabel, sweepPoints } = (await import(pathToFileURL(`${process.cwd()}/bench/peers/fio.mjs`).href)) as {
  matchesBrokerCadence: (p: SweepPoint) => boolean;
  pickLimit: (points: SweepPoint[]) => SweepPoint | null;
  pointLabel: (p: SweepPoint) => string;
  sweepPoints: () => SweepPoint[];
};
const { parsePerfCounts } = (await import(pathToFileURL(`${process.cwd()}/bench/peers/broker-cadence.mjs`).href)) as {
  parsePerfCounts: (text: string) => { fdatasyncs: number; writes: number } | null;
};
const { filesystemOf, loadRates, rateAt } = (await import(pathToFileURL(`${process.cwd()}/bench/latency-load.mjs`).href)) as {
  filesystemOf: (path: string, mountsText?: string | null) => Mount | null;
  loadRates: (peak: number, fractions?: number[]) => { fraction: number; recordsPerSec: number }[];
  rateAt: (peak: number, fraction: number) => number;
};

describe('fio sweep (bench/peers/fio.mjs)', () => {
  it('sweeps write size by sync interval, plus 1 MiB writes overlapping their fdatasync', () => {
    const labels = sweepPoints().map(pointLabel);
    expect(labels).toHaveLength(12);
    expect(labels).toContain('bs=64k fdatasync=1 ioengine=sync');
    expect(labels).toContain('bs=1M fdatasync=16 ioengine=sync');
    expect(labels).toContain('bs=2M fdatasync=1 ioengine=sync');
    expect(labels).toContain('bs=1M fdatasync=1 ioengine=io_uring iodepth=2');
    expect(labels).toContain('bs=2M fdatasync=1 ioengine=io_uring iodepth=2');
  });

  it('takes the limit only from points at the broker cadence (>= 1 MiB writes, <= 2 MiB per fdatasync), however fast the others', () => {
    const point = (blockBytes: number, syncEvery: number, mbPerSec: number, skipped = false) => ({ blockBytes, syncEvery, ioengine: 'sync', iodepth: 1, mbPerSec, skipped });
    const sweep = [point(65536, 16, 5000), point(1048576, 4, 4000), point(262144, 4, 3000), point(1048576, 1, 300), point(2097152, 1, 450), point(2097152, 1, 9000, true)];
    expect(sweep.map(matchesBrokerCadence)).toEqual([false, false, false, true, true, true]);
    expect(pickLimit(sweep)).toMatchObject({ blockBytes: 2097152, syncEvery: 1, mbPerSec: 450 });
    expect(pickLimit([point(65536, 1, 100)])).toBeNull();
  });
});

describe('broker write cadence (bench/peers/broker-cadence.mjs)', () => {
  it('adds pwritev and pwrite64 into writes and reads fdatasyncs from perf stat -x, output', () => {
    const text = ['411,,syscalls:sys_enter_fdatasync,4004921870,100.00,,', '320,,syscalls:sys_enter_pwritev,4004921870,100.00,,', '117,,syscalls:sys_enter_pwrite64,4004921870,100.00,,'].join('\n');
    expect(parsePerfCounts(text)).toEqual({ fdatasyncs: 411, writes: 437 });
    // Without permission perf prints <not supported> / <not counted> instead of a number.
    expect(parsePerfCounts(text.replace('411,', '<not counted>,'))).toBeNull();
    expect(parsePerfCounts('')).toBeNull();
  });
});

describe('latency against load (bench/latency-load.mjs)', () => {
  it('rounds each load rate to 1,000 records/s, at least 1,000', () => {
    expect(loadRates(1_234_567)).toEqual([{ fraction: 0.1, recordsPerSec: 123_000 }, { fraction: 0.25, recordsPerSec: 309_000 }, { fraction: 0.5, recordsPerSec: 617_000 }]);
    expect(rateAt(2000, 0.1)).toBe(1000);
  });

  it('finds the filesystem of a path from the longest matching mount point', () => {
    const mounts = ['/dev/vda / ext4 rw 0 0', 'tmpfs /tmp tmpfs rw 0 0', 'tmpfs /tmpx tmpfs rw 0 0', '/dev/vdb /mnt/my\\040disk xfs rw 0 0'].join('\n');
    expect(filesystemOf('/tmp/sluice-bench-1', mounts)).toEqual({ mountPoint: '/tmp', fsType: 'tmpfs', device: 'tmpfs' });
    expect(filesystemOf('/tmpfoo/x', mounts)).toMatchObject({ mountPoint: '/', fsType: 'ext4' });
    expect(filesystemOf('/mnt/my disk/data', mounts)).toMatchObject({ fsType: 'xfs' });
    expect(filesystemOf('/x', null)).toBeNull();
  });
});
