/**
 * Loaded into the GenHook child with `node --import`: ties its life to the runner and answers memory probes.
 * GenHook's own code is untouched.
 */
import { answerAckProbes } from './ack-probe.js';
import { answerGapProbes, answerMemoryProbes, answerStallProbes, answerSyncProbes, exitWithParent } from './child-guard.js';

exitWithParent();
answerMemoryProbes();
answerStallProbes();
answerGapProbes();
await answerAckProbes();
await answerSyncProbes();
