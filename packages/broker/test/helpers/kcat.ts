export { kcat, requireKcat, type ProcessResult as KcatResult } from '../../../../test-support/run-process.js';
