/**
 * The `sluice bench` harness: end-to-end produce/consume scenarios against a broker it starts
 * (child process, temporary data directory) or an external one, with /proc CPU and RSS figures,
 * latency percentiles and JSON results. bench/run.mjs builds the full suite (peers, limits,
 * micro-benchmarks) on these exports.
 */
export { spawnBroker, externalBroker, SLUICE_BIN, type BenchBroker, type SpawnBrokerOptions } from './broker-process.js';
export { LatencyRecorder, median, type LatencySummary } from './latency-recorder.js';
export { processStat, processMemory, ProcessMeter, UNKNOWN_PROCESS_FIGURES } from './proc-stats.js';
export { makePayload, stampedValue, readStamp, STAMP_MAGIC, STAMP_BYTES, WARMUP_STAMP_MAGIC } from './payload.js';
export { createProgress, type Progress, type ProgressMode } from './progress.js';
export { runProduceLoad, recordsDueBy, type ProduceLoadOptions, type ProduceLoadResult } from './produce-load.js';
export { runConsumeLoad, type ConsumeLoadOptions, type ConsumeLoadResult } from './consume-load.js';
export { runCatchUpInWorker, type ReaderSetup } from './reader-worker.js';
export { runScenario, topicLogBytes, type RunScenarioOptions } from './scenario.js';
export { throughput, type BenchCompression, type ScenarioParams, type ScenarioResult, type Throughput, type ProcessFigures } from './scenario-types.js';
export { expandMatrix, runMatrix, runRepeated, brokerFor, scenarioName, summarize, type BenchMatrixOptions, type ScenarioSummary } from './matrix.js';
export { producerIdsMemory, type ProducerIdsOptions, type ProducerIdsResult } from './producer-ids.js';
export { idempotenceShares, type IdempotenceShare } from './idempotence-share.js';
export { benchEnvironment, fileSystemOf, loadSnapshot, machineInfo, type BenchEnvironment, type LoadSnapshot, type MachineInfo } from './machine.js';
export { writeResultsFile, defaultResultsPath, type BenchResultsFile } from './results-file.js';
