export { DedupCache, type DedupOptions } from './dedup.js';
export { clientIp, normalizeIp, parseCidrList, type ClientIpInput, type IpMatcher } from './ip-allow.js';
export { SlidingWindowLimiter, type RateDecision, type RateLimit } from './rate-limit.js';
