export type {
  Condition,
  ConditionBound,
  ConditionOperator,
  ConfigIssue,
  FieldNode,
  PathSegment,
  Rule,
  TemplateToken,
  VarToken,
} from './types.js';
export { conditionOperators } from './types.js';
export { formatIssue, parseWebhookLine, parseWebhooksFile } from './parse-webhooks-file.js';
export { evaluateConditions, type ConditionResult } from './evaluate-conditions.js';
export { severityWords } from './parse-conditions.js';
export { RuleSet, type RuleMatch, type SourceSummary } from './rule-set.js';
export { DISABLED_MARK, findClosingBracket, keyOfLine, keyOfRule, readLines, splitRaw, unmarkForParsing, type LineKey, type TextLine } from './webhooks-lines.js';
