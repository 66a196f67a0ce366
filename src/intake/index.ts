export { decideIntake } from './decide-intake.js';
export { resolveItem, type ItemResolution } from './resolve-item.js';
export { withoutAdmission } from './without-admission.js';
export { reject } from './types.js';
export type { IntakeContext, IntakeDecision, IntakeRequest, PlannedAlert, Rejection, SkippedItem } from './types.js';
