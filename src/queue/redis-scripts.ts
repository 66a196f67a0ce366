/**
 * The Lua scripts of the Redis queue, one place: Lua only where a step must be atomic on the server
 * (dedup recorded exactly when the alert is stored; a rate window counted and charged at once; a touch
 * that must not take back an entry another replica claimed). defineCommand() sends each script's text
 * once per connection (EVALSHA with a fallback to EVAL), not once per alert.
 */
import type { Redis } from 'ioredis';

/**
 * Offers batched into one call (redis-batch.ts), each with its own result as if each were its own call, in order.
 * ARGV: max size, dedup window ms, offer count, then per offer its alert count, then per alert its number of dedup
 * keys and its payload; KEYS: the stream, then each alert's dedup keys in order. Returns per offer `{-1}` when full
 * (nothing of it stored), otherwise per alert its stream id, or '' when one of its keys was already set (a duplicate;
 * nothing stored for it). XLEN once per call: the script is atomic, so the length only grows by its own XADDs.
 */
const OFFER_SCRIPT = `
local max = tonumber(ARGV[1])
local offers = tonumber(ARGV[3])
local length = max > 0 and redis.call('XLEN', KEYS[1]) or 0
local out = {}
local arg = 4
local key = 2
for o = 1, offers do
  local count = tonumber(ARGV[arg])
  arg = arg + 1
  local full = max > 0 and length + count > max
  local ids = {}
  for i = 1, count do
    local keys = tonumber(ARGV[arg])
    local payload = ARGV[arg + 1]
    arg = arg + 2
    if not full then
      local duplicate = false
      if keys == 1 then
        duplicate = not redis.call('SET', KEYS[key], '1', 'PX', ARGV[2], 'NX')
      elseif keys > 1 then
        duplicate = redis.call('EXISTS', unpack(KEYS, key, key + keys - 1)) > 0
        if not duplicate then
          for j = 0, keys - 1 do redis.call('SET', KEYS[key + j], '1', 'PX', ARGV[2]) end
        end
      end
      if duplicate then
        ids[#ids + 1] = ''
      else
        ids[#ids + 1] = redis.call('XADD', KEYS[1], '*', 'a', payload)
        length = length + 1
      end
    end
    key = key + keys
  end
  out[o] = full and {-1} or ids
end
return out
`;
/**
 * Sliding-window log of one source's requests, on Redis' clock. KEYS: the window set. ARGV: max, window
 * ms, a unique member. Returns 0 when charged, else the ms until the oldest entry leaves the window.
 */
const RATE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`;

/** ARGV: group, consumer, ids. Resets the idle time of the ids this consumer still holds; returns those. */
const TOUCH_SCRIPT = `
local kept = {}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    kept[#kept + 1] = ARGV[i]
  end
end
return kept
`;

/**
 * KEYS: the stream. ARGV: group, this consumer's name, idle bound ms. Removes the consumers other than this
 * one that have been idle longer than the bound and hold nothing (XGROUP DELCONSUMER drops a consumer's
 * pending entries with it, so one that still holds entries stays until they are claimed). Checked and
 * removed in one script: a consumer cannot read new entries between the check and the removal.
 * Returns the names removed. XINFO CONSUMERS' `idle` is the time since the consumer's last read or claim.
 */
const REAP_SCRIPT = `
local removed = {}
local bound = tonumber(ARGV[3])
for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local fields = {}
  for i = 1, #consumer, 2 do fields[consumer[i]] = consumer[i + 1] end
  local name = fields['name']
  if name ~= ARGV[2] and tonumber(fields['pending']) == 0 and tonumber(fields['idle']) > bound then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], name)
    removed[#removed + 1] = name
  end
end
return removed
`;

/** The commands defineQueueScripts() adds to a connection. */
export interface QueueScripts {
  /** KEYS count first, then the keys, then ARGV (see OFFER_SCRIPT); per offer, its ids or `[-1]`. */
  genhookOffer(...args: (string | number)[]): Promise<(string | number)[][]>;
  genhookTouch(stream: string, group: string, consumer: string, ...ids: string[]): Promise<string[]>;
  genhookRate(key: string, max: number, windowMs: number, member: string): Promise<number>;
  genhookReap(stream: string, group: string, consumer: string, idleBoundMs: number): Promise<string[]>;
}

export function defineQueueScripts(redis: Redis): QueueScripts {
  redis.defineCommand('genhookOffer', { lua: OFFER_SCRIPT });
  redis.defineCommand('genhookTouch', { lua: TOUCH_SCRIPT, numberOfKeys: 1 });
  redis.defineCommand('genhookRate', { lua: RATE_SCRIPT, numberOfKeys: 1 });
  redis.defineCommand('genhookReap', { lua: REAP_SCRIPT, numberOfKeys: 1 });
  return redis as unknown as QueueScripts;
}
