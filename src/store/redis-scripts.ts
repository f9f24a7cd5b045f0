/**
 * The Lua scripts behind RedisCounters. Each runs atomically in Redis, so replicas sharing one
 * Redis see every admission in one order. They mirror InProcessCounters step for step.
 *
 * Numbers: Lua holds them as doubles, exact to 2^53. Timestamps and token counts are far below;
 * budgets are capped at $1,000,000 (10^15 nano-dollars) so spent + reserved stays exact too.
 */

/** Lua's unpack() has a stack limit; large lists are handled in slices of this many. */
const UNPACK_SLICE = 1000;

/**
 * KEYS: 1 requests log (zset), 2 tokens log (zset), 3 token amounts (hash, with "_sum"),
 *       4 budget (hash: spent, reserved, "r:<request>" amounts), 5 budget reservation expiries (zset).
 * ARGV: 1 now, 2 request id, 3 window, 4 requests limit (0: none), 5 tokens limit (0: none),
 *       6 token estimate, 7 budget limit (-1: none), 8 cost estimate, 9 reservation expiry,
 *       10 budget keys' time to live (ms).
 * Returns {outcome, retryAfterMs (-1: never), requests counted, oldest request (-1: none),
 *          tokens counted, oldest token entry (-1: none), spent, reserved}.
 */
export const ADMIT_SCRIPT = `
local now = tonumber(ARGV[1])
local id = ARGV[2]
local window = tonumber(ARGV[3])
local requestLimit = tonumber(ARGV[4])
local tokenLimit = tonumber(ARGV[5])
local tokens = tonumber(ARGV[6])
local budgetLimit = tonumber(ARGV[7])
local cost = tonumber(ARGV[8])
local cutoff = now - window

-- Integers go to Redis as %d text, never in a float format some Redis versions might choose.
local function int(n) return string.format('%d', n) end

local function oldest(key)
  local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if #first == 0 then return -1 end
  return tonumber(first[2])
end

local function sliced(list, action)
  for i = 1, #list, ${UNPACK_SLICE} do
    action(unpack(list, i, math.min(i + ${UNPACK_SLICE - 1}, #list)))
  end
end

local spent, reserved = 0, 0
if budgetLimit >= 0 then
  local stored = redis.call('HGET', KEYS[4], 'spent')
  if not stored then return {'budget_unseeded', 0, 0, 0, 0, 0, 0, 0} end
  spent = tonumber(stored)
  -- Reservations of requests that never settled (their replica died) are given up.
  local expired = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now)
  for _, rid in ipairs(expired) do
    local amount = redis.call('HGET', KEYS[4], 'r:' .. rid)
    if amount then
      redis.call('HINCRBY', KEYS[4], 'reserved', int(-tonumber(amount)))
      redis.call('HDEL', KEYS[4], 'r:' .. rid)
    end
  end
  if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now) end
  reserved = tonumber(redis.call('HGET', KEYS[4], 'reserved') or '0')
  if spent + reserved + cost > budgetLimit then
    return {'over_budget', 0, 0, 0, 0, 0, spent, reserved}
  end
end

local requestCount = 0
if requestLimit > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff)
  requestCount = redis.call('ZCARD', KEYS[1])
end
local tokenSum = 0
if tokenLimit > 0 then
  local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', cutoff)
  if #stale > 0 then
    local freed = 0
    sliced(stale, function(...)
      for _, amount in ipairs(redis.call('HMGET', KEYS[3], ...)) do
        if amount then freed = freed + tonumber(amount) end
      end
      redis.call('HDEL', KEYS[3], ...)
    end)
    redis.call('HINCRBY', KEYS[3], '_sum', int(-freed))
    redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', cutoff)
  end
  tokenSum = tonumber(redis.call('HGET', KEYS[3], '_sum') or '0')
end

if requestLimit > 0 and requestCount >= requestLimit then
  local at = requestCount - requestLimit
  local unblocking = redis.call('ZRANGE', KEYS[1], at, at, 'WITHSCORES')
  return {'limited_requests', tonumber(unblocking[2]) + window - now, requestCount, oldest(KEYS[1]),
          tokenSum, oldest(KEYS[2]), 0, 0}
end
if tokenLimit > 0 and tokenSum + tokens > tokenLimit then
  local retryAfter = -1
  if tokens <= tokenLimit then
    local entries = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
    local left = tokenSum
    for i = 1, #entries, 2 do
      left = left - tonumber(redis.call('HGET', KEYS[3], entries[i]) or '0')
      if left + tokens <= tokenLimit then
        retryAfter = tonumber(entries[i + 1]) + window - now
        break
      end
    end
  end
  return {'limited_tokens', retryAfter, requestCount, oldest(KEYS[1]), tokenSum, oldest(KEYS[2]), 0, 0}
end

if budgetLimit >= 0 then
  redis.call('HINCRBY', KEYS[4], 'reserved', ARGV[8])
  redis.call('HSET', KEYS[4], 'r:' .. id, ARGV[8])
  redis.call('ZADD', KEYS[5], ARGV[9], id)
  redis.call('PEXPIRE', KEYS[4], ARGV[10])
  redis.call('PEXPIRE', KEYS[5], ARGV[10])
end
if requestLimit > 0 then
  redis.call('ZADD', KEYS[1], now, id)
  redis.call('PEXPIRE', KEYS[1], window)
  requestCount = requestCount + 1
end
if tokenLimit > 0 then
  redis.call('ZADD', KEYS[2], now, id)
  redis.call('HSET', KEYS[3], id, tokens)
  redis.call('HINCRBY', KEYS[3], '_sum', tokens)
  redis.call('PEXPIRE', KEYS[2], window)
  redis.call('PEXPIRE', KEYS[3], window)
  tokenSum = tokenSum + tokens
end
return {'admitted', 0, requestCount, oldest(KEYS[1]), tokenSum, oldest(KEYS[2]), 0, 0}
`;

/**
 * KEYS: 1 token amounts (hash), 2 budget (hash), 3 budget reservation expiries (zset).
 * ARGV: 1 request id, 2 real tokens (-1: none), 3 real cost (-1: none).
 */
export const SETTLE_SCRIPT = `
local id = ARGV[1]
local tokens = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local function int(n) return string.format('%d', n) end
if tokens >= 0 then
  -- Absent once the entry has left the window: a late settlement no longer counts there.
  local estimate = redis.call('HGET', KEYS[1], id)
  if estimate then
    redis.call('HSET', KEYS[1], id, ARGV[2])
    redis.call('HINCRBY', KEYS[1], '_sum', int(tokens - tonumber(estimate)))
  end
end
-- A period whose counters have expired is no longer checked; there is nothing to settle into.
if cost >= 0 and redis.call('HEXISTS', KEYS[2], 'spent') == 1 then
  local reserved = redis.call('HGET', KEYS[2], 'r:' .. id)
  if reserved then
    redis.call('HINCRBY', KEYS[2], 'reserved', int(-tonumber(reserved)))
    redis.call('HDEL', KEYS[2], 'r:' .. id)
    redis.call('ZREM', KEYS[3], id)
  end
  redis.call('HINCRBY', KEYS[2], 'spent', ARGV[3])
end
return 1
`;

/** KEYS: 1 budget (hash). ARGV: 1 spent, 2 time to live (ms). Sets spent only if no replica did. */
export const SEED_SCRIPT = `
redis.call('HSETNX', KEYS[1], 'spent', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;
