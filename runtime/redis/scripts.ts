/**
 * The Lua scripts of the Redis store (Redis 7 or later: they start with a `#!lua` shebang, so Redis
 * checks memory before a writing script starts rather than at its first write, and read-only ones
 * say `flags=no-writes`). Each script touches the keys of one slot only (one shard's hash tag, or
 * one shared key), so the same calls run on one Redis and on Redis Cluster; the `*_ALL` timer
 * scripts, which read every shard at once, are only used on one Redis (not a cluster).
 *
 * All or nothing: Redis does not roll a script back, so every writing script first reads what it
 * needs (a read of a key of the wrong type fails there, before any write), checks the arguments and
 * the types of the keys it will only write, and only then writes, with commands that cannot fail.
 *
 * Order stamps: integers (microseconds-like, below 2^53) that order records across shards: the
 * client proposes a base (a hybrid logical clock: its clock, never below what it has seen), the
 * script raises it above the shard's last stamp (`{p:s}:hi`), so within a shard stamps follow the
 * order Redis ran the calls in. They are written as 16 zero-padded digits in front of members and
 * values, so that text order is stamp order.
 *
 * Timers: the shard's sorted set `t` has member = stamp ++ timer key, score = due (ms): equal dues
 * come out in the order they were set. `tm` maps the timer key to stamp ++ due. A claim with a lease
 * moves the member to the lease set `tl`, scored by lease expiry (the server's TIME + lease); a
 * lease that expires unacknowledged counts as due again at the timer's own due (and is moved back
 * into `t` by the next claim). Acknowledging = removing or replacing the timer (commit, addTimer,
 * removeTimer), which clears it from `t`, `tl` and `tm`.
 */
import { createHash } from 'node:crypto';

export interface Script {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

function script(name: string, flags: string, body: string): Script {
  const source = `#!lua${flags ? ` flags=${flags}` : ''}\n-- runnel ${name}\n${PRELUDE}\n${body}`;
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

const PRELUDE = `
local function stampText(x) return string.format('%016.0f', x) end
local function intText(x) return string.format('%.0f', x) end
local function numText(x) return string.format('%.17g', x) end
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- The first stamp to use: the client's base, above the shard's last (a read: validates the key).
local function firstStamp(hiKey, clientBase)
  local hi = tonumber(redis.call('GET', hiKey) or '0')
  local base = tonumber(clientBase)
  if base <= hi then base = hi + 1 end
  return base
end
-- TYPE of each key about to be only written ({key, type, key, type...}): nil, or the error text.
local function wrongType(list)
  for i = 1, #list, 2 do
    local ty = redis.call('TYPE', list[i])['ok']
    if ty ~= 'none' and ty ~= list[i + 1] then
      return 'WRONGTYPE runnel: ' .. list[i] .. ' holds a ' .. ty .. ', not a ' .. list[i + 1] .. '; nothing was written'
    end
  end
  return nil
end
-- Fencing: a worker sharing the shards with others passes the value it owns the shard with
-- (token/acquisition, see OWN); a write is refused when the shard's owner key says anything else.
local function fenced(ownKey, token)
  if token == nil or token == '' then return nil end
  if redis.call('GET', ownKey) ~= token then
    return 'FENCED runnel: this worker no longer owns ' .. ownKey .. '; nothing was written'
  end
  return nil
end
-- XADD with an approximate cap (maxLen > 0) or none.
local function appendEntry(key, maxLen, ...)
  if tonumber(maxLen) > 0 then return redis.call('XADD', key, 'MAXLEN', '~', maxLen, '*', ...) end
  return redis.call('XADD', key, '*', ...)
end
-- A list of instance ids as text: each id as <length>:<id>, in the order they were added
-- (length-prefixed: ids come from events and may hold any character). nil when malformed.
local function idsOf(value)
  local ids, i = {}, 1
  while value and i <= #value do
    local c = string.find(value, ':', i, true)
    local n = c and tonumber(string.sub(value, i, c - 1))
    if not n or n < 0 or n ~= math.floor(n) or c + n > #value then return nil end
    ids[#ids + 1] = string.sub(value, c + 1, c + n)
    i = c + n + 1
  end
  return ids
end
-- Appends each id and its stored instance (or false) to out, as the listing scripts answer: flat [id, value, ...].
local function withRecords(iKey, ids, out)
  for _, id in ipairs(ids) do
    out[#out + 1] = id
    out[#out + 1] = redis.call('HGET', iKey, id)
  end
  return out
end
local function idsText(ids)
  local parts = {}
  for j, id in ipairs(ids) do parts[j] = #id .. ':' .. id end
  return table.concat(parts)
end
-- The block of an encoded activity step line (activity-codec.ts: a JSON array, the block first), or nil.
local function stepBlock(line)
  -- Block ids are plain names: a pattern finds them (a tenth of a decode); anything else is decoded.
  local plain = string.match(line, '^%["([%w_%-%.:]*)",')
  if plain then return plain end
  local ok, a = pcall(cjson.decode, line)
  if ok and type(a) == 'table' and type(a[1]) == 'string' then return a[1] end
  return nil
end
-- The text after the last line break of s (all of s when it has none). Plain finds: the pattern
-- '[^\\n]*$' retries from every position, quadratic in the length of a line (about a tenth of the
-- scripts' time per timer fired, in an A/B of the fire phase of node scripts/run-bench.mjs redis).
local function afterLastNewline(s)
  local last, i = 0, string.find(s, '\\n', 1, true)
  while i do
    last = i
    i = string.find(s, '\\n', i + 1, true)
  end
  return string.sub(s, last + 1)
end
-- The block of the last step in an activity string (its last line), or nil.
local function lastStepBlock(key)
  local len = redis.call('STRLEN', key)
  if len < 2 then return nil end
  local from = len - 512
  if from < 0 then from = 0 end
  local tail = redis.call('GETRANGE', key, from, len - 2)
  local line = afterLastNewline(tail)
  if from > 0 and #line == #tail then line = afterLastNewline(redis.call('GETRANGE', key, 0, len - 2)) end
  return stepBlock(line)
end
-- The codec's status numbers (instance-codec.ts STATUSES).
local STATUS_NAMES = {[0] = 'in_progress', [1] = 'completed', [2] = 'stopped', [3] = 'error'}
-- The status and <status>/<reason> of a stored instance (stamp ++ codec). Redis's cjson reads less
-- than JavaScript writes (a lone surrogate escape, deep nesting): then the client reads it and says
-- (hint: '<sha1 of the stored value> <status>/<reason>'). nil when neither can tell.
local function storedState(old, hint)
  local ok, rec = pcall(cjson.decode, string.sub(old, 17))
  if ok and type(rec) == 'table' and STATUS_NAMES[rec[12]] and type(rec[13]) == 'string' then
    return STATUS_NAMES[rec[12]], STATUS_NAMES[rec[12]] .. '/' .. rec[13]
  end
  local sha, state = string.match(hint or '', '^(%x+) (([^/]*)/.*)$')
  if sha and sha == redis.sha1hex(old) then return string.match(state, '^([^/]*)/'), state end
  return nil
end
-- What a commit adds to its flow's counters (runtime/store/flow-stats.ts), as {field, delta} pairs:
-- n = journeys entered, s:<status>/<reason> = journeys in that state now, e:<block> = steps run
-- there, p:<block> = of those, the ones a later step followed or that ended the journey completed.
-- old = the stored instance or false, with its status and state (storedState); state = the
-- instance's <status>/<reason> after the commit; the steps appended are
-- ARGV[stepsAt + 1 .. stepsAt + nSteps]. Reads only.
local function flowCounts(old, oldStatus, oldState, state, activityKey, argv, stepsAt, nSteps)
  local out = {}
  if not old then out[#out + 1] = {'n', 1} end
  if oldState ~= state then
    if oldState then out[#out + 1] = {'s:' .. oldState, -1} end
    out[#out + 1] = {'s:' .. state, 1}
  end
  local completing = string.sub(state, 1, 10) == 'completed/' and oldStatus ~= 'completed'
  -- The step before this commit's first: the last one stored.
  local prev = nil
  if old and (nSteps > 0 or completing) then prev = lastStepBlock(activityKey) end
  for j = 1, nSteps do
    if prev then out[#out + 1] = {'p:' .. prev, 1} end
    prev = stepBlock(argv[stepsAt + j])
    if prev then out[#out + 1] = {'e:' .. prev, 1} end
  end
  if completing and prev then out[#out + 1] = {'p:' .. prev, 1} end
  return out
end
-- A profile write made from a read (its base: '' = none given, write as it is; '-' = there was no
-- profile; '=' .. JSON = that one) conflicts when the stored profile (stamp ++ JSON, or false) is
-- another now: someone wrote it in between, and the client merges its change into it (profile-merge.ts).
local function profileConflict(stored, base)
  if base == nil or base == '' then return false end
  if stored then return base ~= '=' .. string.sub(stored, 17) end
  return base ~= '-'
end
-- The segment index keys after KEYS[fixed]: the first nLeave the profile leaves, the rest it joins
-- (the client works them out from the profile it writes and its base, which profileConflict checks
-- is the one stored). nil when nLeave is not a count of them.
local function segmentMoves(fixed, nLeave)
  local n = tonumber(nLeave)
  if n == nil or n < 0 or n ~= math.floor(n) or fixed + n > #KEYS then return nil end
  local keys = {}
  for j = fixed + 1, #KEYS do keys[#keys + 1] = KEYS[j] end
  return {keys = keys, leave = n}
end
-- A segment index is a sorted set: member = customer id, score = the profile's order stamp (the
-- order customers are listed in, as the profiles hash would be).
local function moveSegments(moves, customer, stamp)
  for j, k in ipairs(moves.keys) do
    if j <= moves.leave then redis.call('ZREM', k, customer) else redis.call('ZADD', k, tonumber(stamp), customer) end
  end
end
-- A stream entry id's two numbers (<ms>-<seq>), or nil.
local function streamId(id)
  local ms, seq = string.match(id or '', '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function validDue(d)
  local x = tonumber(d)
  return x ~= nil and x == x
end
-- Timer writes, given the timer's current meta (stamp ++ due, or false); return the new meta.
local function timerRemove(t, tl, tm, key, meta)
  if meta then
    local member = string.sub(meta, 1, 16) .. key
    redis.call('ZREM', t, member)
    redis.call('ZREM', tl, member)
    redis.call('HDEL', tm, key)
  end
  return false
end
local function timerSet(t, tl, tm, key, due, stamp, meta)
  timerRemove(t, tl, tm, key, meta)
  local s = stampText(stamp)
  redis.call('ZADD', t, due, s .. key)
  redis.call('HSET', tm, key, s .. due)
  return s .. due
end
local function byDue(a, b)
  if a[1] ~= b[1] then return a[1] < b[1] end
  return a[2] < b[2]
end
-- The first n timers due by upTo over the given shards ({t, tl, tm, index} each), in (due, member)
-- order: a k-way merge (a binary heap of the sources' heads) of each shard's t, read in growing
-- chunks, and of its leases expired by now (at most 100 per shard, read at once, at their own due).
-- Returns the timers ({due, member, due text, shard index}) and the expired leases read
-- ({shard index, member, meta}, to put back into t).
local function firstDue(shards, upTo, n, now)
  local up = tonumber(upTo)
  local heap, expired = {}, {}
  local function push(e)
    local i = #heap + 1
    heap[i] = e
    while i > 1 do
      local p = math.floor(i / 2)
      if not byDue(heap[i], heap[p]) then break end
      heap[i], heap[p] = heap[p], heap[i]
      i = p
    end
  end
  local function pop()
    local top = heap[1]
    local last = table.remove(heap)
    if #heap > 0 then
      heap[1] = last
      local i = 1
      while true do
        local l, r, m = 2 * i, 2 * i + 1, i
        if heap[l] and byDue(heap[l], heap[m]) then m = l end
        if heap[r] and byDue(heap[r], heap[m]) then m = r end
        if m == i then break end
        heap[i], heap[m] = heap[m], heap[i]
        i = m
      end
    end
    return top
  end
  -- A source: a list (pos) or a sorted set read in chunks (key, offset, chunk, done).
  local function nextOf(src)
    if src.list then
      local e = src.list[src.pos]
      src.pos = src.pos + 1
      return e
    end
    if src.pos > #src.buf then
      if src.done then return nil end
      local r = redis.call('ZRANGE', src.key, '-inf', upTo, 'BYSCORE', 'LIMIT', src.offset, src.chunk, 'WITHSCORES')
      src.buf, src.pos = {}, 1
      for i = 1, #r, 2 do src.buf[#src.buf + 1] = {tonumber(r[i + 1]), r[i], r[i + 1], src.shard} end
      src.offset = src.offset + #src.buf
      src.done = #src.buf < src.chunk
      src.chunk = math.min(src.chunk * 2, 128)
      if #src.buf == 0 then return nil end
    end
    local e = src.buf[src.pos]
    src.pos = src.pos + 1
    return e
  end
  local function feed(src)
    local e = nextOf(src)
    if e then e[5] = src; push(e) end
  end
  for _, sh in ipairs(shards) do
    local t, tl, tm, ix = sh[1], sh[2], sh[3], sh[4]
    local ex = redis.call('ZRANGE', tl, '-inf', intText(now), 'BYSCORE', 'LIMIT', 0, 100)
    if #ex > 0 then
      local list = {}
      for _, m in ipairs(ex) do
        local meta = redis.call('HGET', tm, string.sub(m, 17))
        expired[#expired + 1] = {ix, m, meta}
        if meta then
          local d = string.sub(meta, 17)
          if tonumber(d) <= up then list[#list + 1] = {tonumber(d), m, d, ix} end
        end
      end
      table.sort(list, byDue)
      feed({list = list, pos = 1})
    end
    feed({key = t, shard = ix, offset = 0, chunk = math.max(1, math.min(n, 4)), buf = {}, pos = 1, done = false})
  end
  local out = {}
  while #out < n and #heap > 0 do
    local e = pop()
    out[#out + 1] = e
    feed(e[5])
  end
  return out, expired
end
-- Claims cands (firstDue's): the expired leases read go back to t, then each claimed timer is
-- leased (lease > 0) or removed. keysOf(shard) gives t, tl, tm. Returns flat {shard, member, due...}.
local function claim(cands, expired, lease, now, keysOf)
  local take = #cands
  if lease <= 0 then
    local seen = {}
    for i = 1, take do
      local sh = cands[i][4]
      if not seen[sh] then
        seen[sh] = true
        local _, _, tm = keysOf(sh)
        local bad = wrongType({tm, 'hash'})
        if bad then return redis.error_reply(bad) end
      end
    end
  end
  for _, e in ipairs(expired) do
    local t, tl = keysOf(e[1])
    redis.call('ZREM', tl, e[2])
    if e[3] then redis.call('ZADD', t, string.sub(e[3], 17), e[2]) end
  end
  local out = {}
  local expiry = intText(now + lease)
  for i = 1, take do
    local c = cands[i]
    local t, tl, tm = keysOf(c[4])
    redis.call('ZREM', t, c[2])
    if lease > 0 then redis.call('ZADD', tl, expiry, c[2]) else redis.call('HDEL', tm, string.sub(c[2], 17)) end
    out[#out + 1] = c[4]
    out[#out + 1] = c[2]
    out[#out + 1] = c[3]
  end
  return out
end
`;

/**
 * One step of one instance, all on its customer's shard (Store.commit; putInstance is a commit of
 * the instance alone).
 *
 * KEYS: 1 i (hash: instance id -> stamp ++ codec), 2 ci:<customer> (string: ids by creation, see
 *       idsOf), 3 cf (hash: customer -> ids in progress, by entry), 4 t, 5 tl, 6 tm, 7 o (outbox stream),
 *       8 l (hash: launch records), 9 c (hash: customer id -> stamp ++ profile JSON), 10 hi,
 *       11 a:<instance> (string: activity steps, runtime/store/activity-codec.ts lines), 12 own (the shard's owner key; see fenced),
 *       13 e (sorted set: ended instance id -> when it is swept, server time ms; see SWEEP_ENDED),
 *       14 st:<flow> (hash: the flow's counters on this shard, see flowCounts), 15 x (sorted set:
 *       instance id -> its order stamp, newest first for RECENT), then the segment indexes
 *       (g:<segment>) the profile leaves, then those it joins (see segmentMoves)
 * ARGV: 1 client stamp, 2 instance id, 3 codec text, 4 '1' when in progress, 5 activity TTL ms
 *       once the instance ended (0: none; in progress: none), 6 outbox MAXLEN ~ (0: none),
 *       7 launch field ('' none), 8 launch value, 9 profile id ('' none), 10 profile JSON,
 *       11 profile base (see profileConflict), 12 customer id, 13 how long an ended instance is
 *       kept, ms (0: for ever), 14 the instance's <status>/<reason>, 15 the stored instance's state
 *       as the client read it when Redis's cjson cannot ('' none; see storedState), 16 how many
 *       of the segment index keys the profile leaves, 17 n timers, then n x (key, due or ''), then
 *       n effects, n x JSON, then n steps, n x encoded step lines, then the fencing token ('' none)
 * Returns the shard's last stamp, or {'conflict', stored profile value or ''}, or
 * {'unreadable', stored instance value, its SHA-1} when the script cannot read the stored
 * instance's state (the client sends it again with ARGV 15); nothing is written then.
 * A commit sent again (its instance already stored as it would write it) writes nothing.
 */
export const COMMIT = script(
  'commit',
  '',
  `
local kI, kCI, kCF, kT, kTL, kTM, kO, kL, kC, kHi, kA, kOwn, kE, kSt, kX = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11], KEYS[12], KEYS[13], KEYS[14], KEYS[15]
local id, codec, inProgress = ARGV[2], ARGV[3], ARGV[4] == '1'
local ttl, maxLen, keep, state, stateHint = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[13]), ARGV[14], ARGV[15]
local launchField, launchValue, profileId, profileJson, profileBase, customer = ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12]
local moves = segmentMoves(15, ARGV[16])
local p = 17
local nTimers = tonumber(ARGV[p])
if moves == nil or nTimers == nil or ttl == nil or maxLen == nil or keep == nil or state == nil or stateHint == nil or not string.find(state, '/', 1, true) or tonumber(ARGV[1]) == nil then return redis.error_reply('ERR runnel commit: bad arguments; nothing was written') end
local timers = {}
for j = 1, nTimers do
  local key, due = ARGV[p + 2 * j - 1], ARGV[p + 2 * j]
  if key == nil or due == nil or (due ~= '' and not validDue(due)) then return redis.error_reply('ERR runnel commit: bad timer; nothing was written') end
  timers[j] = {key, due}
end
p = p + 2 * nTimers + 1
local nEffects = tonumber(ARGV[p])
if nEffects == nil then return redis.error_reply('ERR runnel commit: bad effects; nothing was written') end
local effectsAt = p
p = p + nEffects + 1
local nSteps = tonumber(ARGV[p])
if nSteps == nil or p + nSteps + 1 ~= #ARGV then return redis.error_reply('ERR runnel commit: bad arguments; nothing was written') end
local stepsAt = p
local fence = fenced(kOwn, ARGV[#ARGV])
if fence then return redis.error_reply(fence) end
-- Ran already: the instance is stored exactly as this commit would write it. The client sent the
-- commit again after the connection dropped before its reply (ioredis resends those when Redis is
-- back); every commit changes its instance (a step, a wait, the event that moved it), so an equal
-- one is a repeat, and its steps, effects and timers must not be written twice.
local old = redis.call('HGET', kI, id)
if old and string.sub(old, 17) == codec then return redis.call('GET', kHi) or '0' end

-- Reads (a key of the wrong type fails here, before any write).
local s = firstStamp(kHi, ARGV[1])
local first = s
local metas = {}
for j = 1, nTimers do
  local key = timers[j][1]
  if metas[key] == nil then metas[key] = redis.call('HGET', kTM, key) end
end
local oldProfile = false
if profileId ~= '' then
  oldProfile = redis.call('HGET', kC, profileId)
  if profileConflict(oldProfile, profileBase) then return {'conflict', oldProfile or ''} end
end
local check = {kCF, 'hash'}
if not old then check[#check + 1] = kCI; check[#check + 1] = 'string' end
if nTimers > 0 then check[#check + 1] = kT; check[#check + 1] = 'zset'; check[#check + 1] = kTL; check[#check + 1] = 'zset' end
if nEffects > 0 then check[#check + 1] = kO; check[#check + 1] = 'stream' end
if nSteps > 0 or old then check[#check + 1] = kA; check[#check + 1] = 'string' end
if launchField ~= '' then check[#check + 1] = kL; check[#check + 1] = 'hash' end
local oldStatus, oldState = nil, nil
if old then
  oldStatus, oldState = storedState(old, stateHint)
  if not oldStatus then return {'unreadable', old, redis.sha1hex(old)} end
end
-- An ended instance in progress again leaves the sweep's set (and its activity its expiry).
local revived = inProgress and oldStatus ~= nil and oldStatus ~= 'in_progress'
if (not inProgress and keep > 0) or revived then check[#check + 1] = kE; check[#check + 1] = 'zset' end
check[#check + 1] = kSt; check[#check + 1] = 'hash'
if not old then check[#check + 1] = kX; check[#check + 1] = 'zset' end
for _, k in ipairs(moves.keys) do check[#check + 1] = k; check[#check + 1] = 'zset' end
local bad = wrongType(check)
if bad then return redis.error_reply(bad) end
local counts = flowCounts(old, oldStatus, oldState, state, kA, ARGV, stepsAt, nSteps)
local flying = idsOf(redis.call('HGET', kCF, customer))
if not flying then return redis.error_reply('ERR runnel commit: ' .. kCF .. ' field ' .. customer .. ' is malformed; nothing was written') end
local flyingAt = 0
for j, x in ipairs(flying) do if x == id then flyingAt = j end end

-- Writes (cannot fail from here).
for j = 1, nTimers do
  local key, due = timers[j][1], timers[j][2]
  if due == '' then
    metas[key] = timerRemove(kT, kTL, kTM, key, metas[key])
  else
    metas[key] = timerSet(kT, kTL, kTM, key, due, s, metas[key])
    s = s + 1
  end
end
for j = 1, nEffects do
  appendEntry(kO, maxLen, 's', stampText(s), 'e', ARGV[effectsAt + j])
  s = s + 1
end
if nSteps > 0 then
  local lines = {}
  for j = 1, nSteps do lines[j] = ARGV[stepsAt + j] end
  redis.call('APPEND', kA, table.concat(lines))
end
-- The activity of a journey in progress is kept (a long wait must not lose it); once it ended, for the TTL.
if not inProgress and ttl > 0 then redis.call('PEXPIRE', kA, ttl) end
if revived then
  redis.call('ZREM', kE, id)
  redis.call('PERSIST', kA)
end
for _, c in ipairs(counts) do
  if redis.call('HINCRBY', kSt, c[1], c[2]) == 0 then redis.call('HDEL', kSt, c[1]) end
end
if launchField ~= '' then redis.call('HSET', kL, launchField, launchValue) end
if profileId ~= '' then
  local at
  if oldProfile then at = string.sub(oldProfile, 1, 16) else at = stampText(s); s = s + 1 end
  redis.call('HSET', kC, profileId, at .. profileJson)
  moveSegments(moves, profileId, at)
end
local created
if old then
  created = string.sub(old, 1, 16)
else
  created = stampText(s)
  redis.call('APPEND', kCI, #id .. ':' .. id)
  redis.call('ZADD', kX, tonumber(created), id)
end
redis.call('HSET', kI, id, created .. codec)
-- An ended instance is kept for a while (the activity of the last days), then swept.
if not inProgress and keep > 0 then redis.call('ZADD', kE, nowMs() + keep, id) end
if inProgress and flyingAt == 0 then
  flying[#flying + 1] = id
  redis.call('HSET', kCF, customer, idsText(flying))
elseif not inProgress and flyingAt > 0 then
  table.remove(flying, flyingAt)
  if #flying == 0 then redis.call('HDEL', kCF, customer) else redis.call('HSET', kCF, customer, idsText(flying)) end
end
redis.call('SET', kHi, intText(s))
return intText(s)
`,
);

/**
 * KEYS: 1 c, 2 hi, then the segment indexes (g:<segment>) the profile leaves, then those it joins.
 * ARGV: 1 client stamp, 2 customer id, 3 profile JSON, 4 profile base (see profileConflict), 5 how
 * many of the segment index keys it leaves (see segmentMoves). Returns the shard's last stamp, or
 * {'conflict', stored value or ''} (nothing written).
 */
export const PUT_CUSTOMER = script(
  'put-customer',
  '',
  `
local moves = segmentMoves(2, ARGV[5])
if moves == nil then return redis.error_reply('ERR runnel put-customer: bad arguments; nothing was written') end
local old = redis.call('HGET', KEYS[1], ARGV[2])
if profileConflict(old, ARGV[4]) then return {'conflict', old or ''} end
local s = firstStamp(KEYS[2], ARGV[1])
local check = {}
for _, k in ipairs(moves.keys) do check[#check + 1] = k; check[#check + 1] = 'zset' end
local bad = wrongType(check)
if bad then return redis.error_reply(bad) end
local at
if old then at = string.sub(old, 1, 16) else at = stampText(s) end
redis.call('HSET', KEYS[1], ARGV[2], at .. ARGV[3])
moveSegments(moves, ARGV[2], at)
redis.call('SET', KEYS[2], intText(s))
return intText(s)
`,
);

/** KEYS: 1 t, 2 tl, 3 tm, 4 hi, 5 own. ARGV: 1 client stamp, 2 timer key, 3 due ('' removes), 4 fencing token ('' none). Returns the shard's last stamp. */
export const SET_TIMER = script(
  'set-timer',
  '',
  `
if ARGV[3] ~= '' and not validDue(ARGV[3]) then return redis.error_reply('ERR runnel: bad due ' .. ARGV[3]) end
local fence = fenced(KEYS[5], ARGV[4])
if fence then return redis.error_reply(fence) end
local s = firstStamp(KEYS[4], ARGV[1])
local meta = redis.call('HGET', KEYS[3], ARGV[2])
if ARGV[3] == '' and not meta then return intText(s - 1) end
local bad = wrongType({KEYS[1], 'zset', KEYS[2], 'zset'})
if bad then return redis.error_reply(bad) end
if ARGV[3] == '' then timerRemove(KEYS[1], KEYS[2], KEYS[3], ARGV[2], meta) else timerSet(KEYS[1], KEYS[2], KEYS[3], ARGV[2], ARGV[3], s, meta) end
redis.call('SET', KEYS[4], intText(s))
return intText(s)
`,
);

/**
 * The shard's first `n` timers due by `upTo`, counting leases expired by the server's clock (at
 * their own due): flat [member, due, ...] in (due, member) order. Read-only: the first phase of a
 * claim on a cluster. KEYS: 1 t, 2 tl, 3 tm. ARGV: 1 upTo, 2 n.
 */
export const PEEK_TIMERS = script(
  'peek-timers',
  'no-writes',
  `
local cands = firstDue({{KEYS[1], KEYS[2], KEYS[3], 1}}, ARGV[1], tonumber(ARGV[2]), nowMs())
local flat = {}
for i = 1, #cands do flat[#flat + 1] = cands[i][2]; flat[#flat + 1] = cands[i][3] end
return flat
`,
);

/**
 * Claims the shard's first `n` (at most 100) timers due by `upTo`, as PEEK_TIMERS lists them: with a
 * lease (ARGV 3 > 0) each moves to the lease set until the server's TIME + lease; without, it is
 * removed. Returns flat [1, member, due, ...] in (due, member) order.
 * KEYS: 1 t, 2 tl, 3 tm. ARGV: 1 upTo, 2 n, 3 lease ms.
 */
export const CLAIM_TIMERS = script(
  'claim-timers',
  '',
  `
local n, lease = math.min(tonumber(ARGV[2]), 100), tonumber(ARGV[3])
local now = nowMs()
local cands, expired = firstDue({{KEYS[1], KEYS[2], KEYS[3], 1}}, ARGV[1], n, now)
return claim(cands, expired, lease, now, function() return KEYS[1], KEYS[2], KEYS[3] end)
`,
);

/**
 * One Redis only (not a cluster): claims the first `n` (at most 100) timers due by `upTo` over every
 * shard at once, exactly in (due, member) order. Returns flat [shard, member, due, ...] (shard: the
 * 1-based index of its key triple). KEYS: t, tl, tm of each shard. ARGV: 1 upTo, 2 n, 3 lease ms.
 */
export const CLAIM_TIMERS_ALL = script(
  'claim-timers-all',
  '',
  `
local n, lease = math.min(tonumber(ARGV[2]), 100), tonumber(ARGV[3])
local now = nowMs()
local shards = {}
for sh = 1, #KEYS / 3 do shards[sh] = {KEYS[3 * sh - 2], KEYS[3 * sh - 1], KEYS[3 * sh], sh} end
local cands, expired = firstDue(shards, ARGV[1], n, now)
return claim(cands, expired, lease, now, function(sh) return KEYS[3 * sh - 2], KEYS[3 * sh - 1], KEYS[3 * sh] end)
`,
);

/** The earliest due (text) of the shards given (KEYS: t, tl, tm of each), counting leases expired by the server's clock; nil when none. */
export const HEAD_TIMER = script(
  'head-timer',
  'no-writes',
  `
local now = nowMs()
local best, bestText = nil, nil
for sh = 1, #KEYS / 3 do
  local r = redis.call('ZRANGE', KEYS[3 * sh - 2], 0, 0, 'WITHSCORES')
  if r[2] and (best == nil or tonumber(r[2]) < best) then best = tonumber(r[2]); bestText = r[2] end
  for _, m in ipairs(redis.call('ZRANGE', KEYS[3 * sh - 1], '-inf', intText(now), 'BYSCORE', 'LIMIT', 0, 100)) do
    local meta = redis.call('HGET', KEYS[3 * sh], string.sub(m, 17))
    if meta then
      local d = string.sub(meta, 17)
      if best == nil or tonumber(d) < best then best = tonumber(d); bestText = d end
    end
  end
end
return bestText
`,
);

/** KEYS: 1 o, 2 hi. ARGV: 1 client stamp, 2 MAXLEN ~ (0: none), 3 effect JSON. Returns the shard's last stamp. */
export const APPEND_EFFECT = script(
  'append-effect',
  '',
  `
local s = firstStamp(KEYS[2], ARGV[1])
local bad = wrongType({KEYS[1], 'stream'})
if bad then return redis.error_reply(bad) end
appendEntry(KEYS[1], ARGV[2], 's', stampText(s), 'e', ARGV[3])
redis.call('SET', KEYS[2], intText(s))
return intText(s)
`,
);

/**
 * Every customer of the shard with their profile's order stamp (Store.listCustomers without a
 * segment): KEYS 1 c. Flat [id, stamp, ...]: the profiles stay in Redis.
 */
export const CUSTOMER_IDS = script(
  'customer-ids',
  'no-writes',
  `
local all = redis.call('HGETALL', KEYS[1])
local out = {}
for i = 1, #all, 2 do
  out[#out + 1] = all[i]
  out[#out + 1] = string.sub(all[i + 1], 1, 16)
end
return out
`,
);

/**
 * A did-not-enter record recorded once (Store.appendNotEntered): KEYS 1 nx (hash: the refusals of
 * the event the shard is processing, cleared when the event queue moves past it), 2 st:<flow>, and
 * on one Redis only 3 the did-not-enter stream (another slot); ARGV 1 the record's identity, 2 the
 * counter field, with KEYS 3: 3 its MAXLEN ~ (0: none), 4 the record JSON. Counts it (and with
 * KEYS 3 appends the record) and returns 1 the first time; 0 (nothing written) when nx has it. nx
 * is cleared first when it holds 1,000 (a store written without the event queue, which never
 * clears it).
 */
export const NOT_ENTERED_ONCE = script(
  'not-entered-once',
  '',
  `
local check = {KEYS[1], 'hash', KEYS[2], 'hash'}
if KEYS[3] then check[5] = KEYS[3]; check[6] = 'stream' end
local bad = wrongType(check)
if bad then return redis.error_reply(bad) end
if redis.call('HLEN', KEYS[1]) >= 1000 then redis.call('DEL', KEYS[1]) end
if redis.call('HSETNX', KEYS[1], ARGV[1], '1') == 0 then return 0 end
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
if KEYS[3] then appendEntry(KEYS[3], ARGV[3], 'r', ARGV[4]) end
return 1
`,
);

/** KEYS: 1 a. ARGV: 1 TTL ms (0: none), 2 step JSON. (RPUSH is the only write that can fail, and it comes first.) */
export const APPEND_ACTIVITY = script(
  'append-activity',
  '',
  `
redis.call('APPEND', KEYS[1], ARGV[2])
if tonumber(ARGV[1]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return 1
`,
);

/**
 * Ended instances due to be swept (their retention over, by server time): KEYS 1 e, 2 i; ARGV 1 at
 * most how many. Flat [id, stored value or false, ...], earliest due first.
 */
export const ENDED_DUE = script(
  'ended-due',
  'no-writes',
  `
return withRecords(KEYS[2], redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', nowMs(), 'LIMIT', 0, tonumber(ARGV[1])), {})
`,
);

/**
 * Sweeps ended instances of one shard whose retention is over (RedisStore.sweepEnded): each id
 * still due in e goes from i, e, x, its customer's ci: list and its activity (e holds ended instances
 * only: a commit takes one in progress again out of it). Ids the client could not place, if still
 * due: without a stored instance they leave e; with one it cannot read (a newer build's) they are
 * due again `retry` ms later, for a build that can.
 * KEYS: 1 i, 2 e, 3 x, then ci:<customer> of each group, then a:<id> of each id (in ARGV order).
 * ARGV: 1 n groups, then per group (one customer): n ids, the ids; then n ids the client could not
 * place, the ids; then retry ms. Returns how many instances were swept.
 */
export const SWEEP_ENDED = script(
  'sweep-ended',
  'allow-oom',
  `
local kI, kE, kX = KEYS[1], KEYS[2], KEYS[3]
local nGroups = tonumber(ARGV[1])
if nGroups == nil then return redis.error_reply('ERR runnel sweep: bad arguments; nothing was written') end
-- Arguments and key types first: nothing is written unless all is well.
local groups, a, ak = {}, 2, 3 + nGroups
local check = {kI, 'hash', kE, 'zset', kX, 'zset'}
for g = 1, nGroups do
  local n = tonumber(ARGV[a])
  if n == nil or KEYS[3 + g] == nil then return redis.error_reply('ERR runnel sweep: bad arguments; nothing was written') end
  local ids = {}
  for j = 1, n do
    ak = ak + 1
    if ARGV[a + j] == nil or KEYS[ak] == nil then return redis.error_reply('ERR runnel sweep: bad arguments; nothing was written') end
    ids[j] = {ARGV[a + j], KEYS[ak]}
  end
  groups[g] = {KEYS[3 + g], ids}
  check[#check + 1] = KEYS[3 + g]; check[#check + 1] = 'string'
  a = a + n + 1
end
local nLoose, retry = tonumber(ARGV[a]), tonumber(ARGV[#ARGV])
if nLoose == nil or retry == nil or a + nLoose + 1 ~= #ARGV or ak ~= #KEYS then return redis.error_reply('ERR runnel sweep: bad arguments; nothing was written') end
local bad = wrongType(check)
if bad then return redis.error_reply(bad) end
for _, grp in ipairs(groups) do
  if not idsOf(redis.call('GET', grp[1])) then return redis.error_reply('ERR runnel sweep: the instance index ' .. grp[1] .. ' is malformed; nothing was written') end
end

local now, swept = nowMs(), 0
local function due(id)
  local at = redis.call('ZSCORE', kE, id)
  return at and tonumber(at) <= now
end
for j = 1, nLoose do
  local id = ARGV[a + j]
  if due(id) then
    if redis.call('HEXISTS', kI, id) == 1 then
      redis.call('ZADD', kE, now + retry, id)
    else
      redis.call('ZREM', kE, id)
      redis.call('ZREM', kX, id)
    end
  end
end
for _, grp in ipairs(groups) do
  local gone, any = {}, false
  for _, x in ipairs(grp[2]) do
    local id = x[1]
    if due(id) then
      redis.call('ZREM', kE, id)
      if redis.call('HDEL', kI, id) == 1 then
        redis.call('ZREM', kX, id)
        redis.call('DEL', x[2])
        gone[id] = true
        any = true
        swept = swept + 1
      end
    end
  end
  if any then
    local keep = {}
    for _, id in ipairs(idsOf(redis.call('GET', grp[1]))) do if not gone[id] then keep[#keep + 1] = id end end
    if #keep == 0 then redis.call('DEL', grp[1]) else redis.call('SET', grp[1], idsText(keep)) end
  end
end
return swept
`,
);

/**
 * The customer's instances: KEYS 1 i, 2 the index (ci:<customer>, a string; or cf, a hash, read at
 * field ARGV 2). ARGV: 1 'ci' or 'cf', 2 customer. Flat [id, value, ...] in index order.
 */
export const CUSTOMER_INSTANCES = script(
  'customer-instances',
  'no-writes',
  `
local text
if ARGV[1] == 'cf' then text = redis.call('HGET', KEYS[2], ARGV[2]) else text = redis.call('GET', KEYS[2]) end
local ids = idsOf(text)
if not ids then return redis.error_reply('ERR runnel: the instance index ' .. KEYS[2] .. ' is malformed') end
return withRecords(KEYS[1], ids, {})
`,
);

/**
 * A page of the shard's instances, newest first (Store.recentInstances): KEYS 1 x, 2 i. ARGV: 1 the
 * order stamp to start below ('+inf': the newest), 2 '1' to include an instance at that stamp, 3 at
 * most how many, 4 the id prefix to keep ('<flow>/'; '' all), 5 at most how many ids to look at (a
 * flow's ids may be few among many). Returns {flat [id, stamp, ...] of the ids with a stored
 * instance (the client fetches the records of the page it makes of every shard's ids), the stamp
 * of the last id looked at ('' none), 1 when there is nothing further down}.
 */
export const RECENT = script(
  'recent',
  'no-writes',
  `
local max, limit, prefix, budget = ARGV[1], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
if limit == nil or budget == nil or limit < 1 or budget < 1 or (max ~= '+inf' and tonumber(max) == nil) then return redis.error_reply('ERR runnel recent: bad arguments') end
if max ~= '+inf' and ARGV[2] ~= '1' then max = '(' .. max end
local out, found, looked, last, offset = {}, 0, 0, '', 0
while true do
  local want = math.min(256, budget - looked)
  local page = redis.call('ZREVRANGEBYSCORE', KEYS[1], max, '-inf', 'WITHSCORES', 'LIMIT', offset, want)
  for j = 1, #page, 2 do
    local id = page[j]
    looked = looked + 1
    last = page[j + 1]
    if prefix == '' or string.sub(id, 1, #prefix) == prefix then
      if redis.call('HEXISTS', KEYS[2], id) == 1 then
        out[#out + 1] = id; out[#out + 1] = last
        found = found + 1
        if found >= limit then return {out, last, 0} end
      end
    end
  end
  if #page < 2 * want then return {out, last, 1} end
  if looked >= budget then return {out, last, 0} end
  offset = offset + want
end
`,
);

/**
 * Every instance in progress on the shard (Store.listInFlight): KEYS 1 i, 2 cf. Flat [id, value, ...].
 */
export const IN_FLIGHT = script(
  'in-flight',
  'no-writes',
  `
local flat = redis.call('HGETALL', KEYS[2])
local out = {}
for j = 2, #flat, 2 do
  local ids = idsOf(flat[j])
  if not ids then return redis.error_reply('ERR runnel: the instance index ' .. KEYS[2] .. ' field ' .. flat[j - 1] .. ' is malformed') end
  withRecords(KEYS[1], ids, out)
end
return out
`,
);

/**
 * What processing one event of a customer reads (Store.readForEvent), in one call on its shard.
 * KEYS: 1 c, 2 i, 3 cf, 4 l, 5 m, and on one Redis only 6 the event's dedupe key (another slot).
 * ARGV: 1 customer id, then n launch fields (n, fields), n matcher-state fields, n instance ids,
 * then with KEYS 6 the dedupe TTL ms (0: none). Returns flat: profile (or nil), the number of
 * instances in flight, their (id, value) pairs, the launch records, matcher states (each or nil),
 * 1/0 for each instance id, and last whether the event was seen for the first time (1/0; -1 when
 * not asked).
 */
export const READ_EVENT = script(
  'read-event',
  '',
  `
local out = {redis.call('HGET', KEYS[1], ARGV[1])}
local ids = idsOf(redis.call('HGET', KEYS[3], ARGV[1]))
if not ids then return redis.error_reply('ERR runnel: the instance index ' .. KEYS[3] .. ' is malformed') end
out[2] = #ids
withRecords(KEYS[2], ids, out)
local p = 2
for _, key in ipairs({KEYS[4], KEYS[5]}) do
  local n = tonumber(ARGV[p])
  for j = 1, n do out[#out + 1] = redis.call('HGET', key, ARGV[p + j]) end
  p = p + n + 1
end
local n = tonumber(ARGV[p])
for j = 1, n do out[#out + 1] = redis.call('HEXISTS', KEYS[2], ARGV[p + j]) end
p = p + n + 1
local first = -1
if KEYS[6] then
  local ttl = tonumber(ARGV[p])
  local r
  if ttl > 0 then r = redis.call('SET', KEYS[6], '1', 'NX', 'PX', ttl) else r = redis.call('SET', KEYS[6], '1', 'NX') end
  if r then first = 1 else first = 0 end
end
out[#out + 1] = first
return out
`,
);

/**
 * What firing one of an instance's timers reads (Store.readForInstance), in one call on its shard.
 * KEYS: 1 i, 2 c, 3 l. ARGV: 1 instance id. Returns {instance value, profile, launch record, 1}
 * (nil each when absent), or {instance value, nil, nil, 0} when the script could not read the
 * instance. The customer and flow come from the stored instance (runtime/store/instance-codec.ts:
 * [version 1, flow, hash, customer, ...]).
 */
export const READ_INSTANCE = script(
  'read-instance',
  'no-writes',
  `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return {false, false, false, 0} end
-- The flow and customer lead the record ([1, flow, version, customer, ...]): plain ones are read
-- by a pattern, without decoding the rest (the journey's contexts, often most of it).
local flow, customer = string.match(v, '^%[1,"([^"\\\\]*)","[^"\\\\]*","([^"\\\\]*)",', 17)
if not flow then
  -- Redis's cjson reads less than JavaScript writes (a lone surrogate escape, deep nesting): then
  -- the instance alone, and the client reads the rest itself (the 0).
  local ok, rec = pcall(cjson.decode, string.sub(v, 17))
  if not ok or type(rec) ~= 'table' or rec[1] ~= 1 or type(rec[2]) ~= 'string' or type(rec[4]) ~= 'string' then return {v, false, false, 0} end
  flow, customer = rec[2], rec[4]
end
return {v, redis.call('HGET', KEYS[2], customer), redis.call('HGET', KEYS[3], flow .. '\\0' .. customer), 1}
`,
);

/**
 * A calendar period's admissions (a limit block's or budget's): a set of members, one per journey at
 * a block. KEYS: 1 the set. ARGV: 1 member, 2 max, 3 keep ms. Returns 1 (admitted now or before) or 0.
 */
export const ADMIT_PERIOD = script(
  'admit-period',
  '',
  `
local max, keep = tonumber(ARGV[2]), tonumber(ARGV[3])
if max == nil or keep == nil or keep < 1 then return redis.error_reply('ERR runnel admit-period: bad arguments; nothing was written') end
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= max then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`,
);

/**
 * Rolling window: admits a member at `at` when fewer than `max` admissions fall in (at - window, at].
 * Members are the journeys at a block, scores their admission times; a member still in the window is
 * admitted again without counting twice. KEYS: 1 window zset. ARGV: 1 at, 2 window ms, 3 max,
 * 4 member, 5 keep ms. Returns 1 or 0.
 */
export const ADMIT = script(
  'admit',
  '',
  `
local at, win, max, keep = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[5])
if at == nil or win == nil or max == nil or keep == nil or keep < 1 or ARGV[4] == nil then return redis.error_reply('ERR runnel admit: bad arguments; nothing was written') end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', numText(at - win))
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then return 1 end
local n = redis.call('ZCOUNT', KEYS[1], '(' .. numText(at - win), ARGV[1])
if n < max then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return 1
end
return 0
`,
);

/**
 * Shard ownership (shard-owner.ts). KEYS: 1 the shard's owner key, 2 its acquisition counter.
 * An owner key holds `<worker token>/<acquisition>`: each taking of a shard counts one more, so a
 * worker's fencing value names one tenure, and a worker whose lease ran out cannot carry on as if
 * nothing happened once another worker has had the shard in between (even if that one is gone).
 *
 * Take (ARGV 1 = 'take', 2 token, 3 lease ms): when nobody owns the shard, counts an acquisition
 * and sets the key. Returns the fencing value, or false; a take of a shard the worker holds already
 * (sent again after a dropped connection) returns its value as it is.
 * Renew (ARGV 1 = 'renew', 2 fencing value, 3 lease ms): when the key holds the value, or holds
 * nothing and nobody took the shard since (the counter is still that tenure's), sets it again with
 * the lease. Release (ARGV 1 = 'release', 2 fencing value): deleted when it holds the value.
 * Renew and release return 1 when they did, 0 when the tenure is over.
 */
export const OWN = script(
  'own',
  '',
  `
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == 'take' then
  -- Already this worker's (the take sent again after a dropped connection): the same tenure.
  if cur and string.sub(cur, 1, #ARGV[2] + 1) == ARGV[2] .. '/' then return cur end
  if cur then return false end
  local value = ARGV[2] .. '/' .. redis.call('INCR', KEYS[2])
  redis.call('SET', KEYS[1], value, 'PX', ARGV[3])
  return value
end
if cur and cur ~= ARGV[2] then return 0 end
if ARGV[1] == 'release' then
  if cur then redis.call('DEL', KEYS[1]) end
  return 1
end
if not cur then
  local tenure = string.match(ARGV[2], '/(%d+)$')
  if tenure == nil or redis.call('GET', KEYS[2]) ~= tenure then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`,
);

/**
 * An event of the shard processed (RedisEventQueue.done): KEYS 1 inc (the shard's cursor), 2 nx
 * (the refusals of the event in progress, see NOT_ENTERED_ONCE), 3 own. ARGV: 1 the entry, 2 the
 * fencing value ('' none; see fenced). Moves the cursor and forgets the refusals; nothing when fenced.
 */
export const QUEUE_DONE = script(
  'queue-done',
  '',
  `
local fence = fenced(KEYS[3], ARGV[2])
if fence then return redis.error_reply(fence) end
-- SET and DEL cannot fail, whatever the keys hold.
redis.call('SET', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
return 1
`,
);

/**
 * Queues an event on its customer's shard (event-queue.ts): unless its id was queued before (the
 * shard's dedupe key, KEYS 1, set with a TTL), it is appended to the shard's ingest stream KEYS 2.
 * ARGV: 1 dedupe TTL ms (0: forever), 2 event JSON. Returns the entry id, or false for a duplicate.
 */
export const ENQUEUE = script(
  'enqueue',
  '',
  `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local bad = wrongType({KEYS[2], 'stream'})
if bad then return redis.error_reply(bad) end
local id = redis.call('XADD', KEYS[2], '*', 'e', ARGV[2])
if tonumber(ARGV[1]) > 0 then redis.call('SET', KEYS[1], id, 'PX', ARGV[1]) else redis.call('SET', KEYS[1], id) end
return id
`,
);

/**
 * Layout 2 -> 3 (RedisStore.upgradeFrom2), the instance index: KEYS 1 i, 2 x. ARGV: instance ids
 * (read from i by HSCAN). Each one still stored is indexed at its order stamp; one swept since is not.
 */
export const UPGRADE_RECENT = script(
  'upgrade-recent',
  '',
  `
local bad = wrongType({KEYS[2], 'zset'})
if bad then return redis.error_reply(bad) end
for _, id in ipairs(ARGV) do
  local v = redis.call('HGET', KEYS[1], id)
  if v then redis.call('ZADD', KEYS[2], tonumber(string.sub(v, 1, 16)), id) end
end
return #ARGV
`,
);

/**
 * Layout 2 -> 3, the segment indexes: KEYS 1 c, then g:<segment> keys. ARGV: per profile (read from
 * c by HSCAN): customer id, the stored value read, n keys (its segments' indexes, next in KEYS).
 * A profile still stored as read joins its segments' indexes; one written since was indexed by its
 * writer (a build of this layout), and is left alone.
 */
export const UPGRADE_SEGMENTS = script(
  'upgrade-segments',
  '',
  `
local check, k, a = {}, 2, 1
while a <= #ARGV do
  local n = tonumber(ARGV[a + 2])
  if n == nil or k + n - 1 > #KEYS then return redis.error_reply('ERR runnel upgrade: bad arguments; nothing was written') end
  for j = k, k + n - 1 do check[#check + 1] = KEYS[j]; check[#check + 1] = 'zset' end
  k, a = k + n, a + 3
end
if k - 1 ~= #KEYS then return redis.error_reply('ERR runnel upgrade: bad arguments; nothing was written') end
local bad = wrongType(check)
if bad then return redis.error_reply(bad) end
k, a = 2, 1
while a <= #ARGV do
  local id, value, n = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
  if redis.call('HGET', KEYS[1], id) == value then
    for j = k, k + n - 1 do redis.call('ZADD', KEYS[j], tonumber(string.sub(value, 1, 16)), id) end
  end
  k, a = k + n, a + 3
end
return 1
`,
);

/** KEYS: 1 document. ARGV: 1 '1' when expected present ('0': expected absent), 2 expected, 3 new value. Returns 1 when written, 0 when the document was not as expected. */
export const REPLACE_META = script(
  'replace-meta',
  '',
  `
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '0' then
  if cur then return 0 end
elseif cur ~= ARGV[2] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3])
return 1
`,
);

/**
 * The shard outbox entries the forwarder has not forwarded yet (outbox-forwarder.ts): its cursor
 * (KEYS 1, the id of the last entry forwarded; absent: none) and up to ARGV 1 entries of the
 * outbox stream (KEYS 2) after it. Returns {cursor, XRANGE reply}.
 */
export const OUTBOX_READ = script(
  'outbox-read',
  'no-writes',
  `
local c = redis.call('GET', KEYS[1]) or '0-0'
return {c, redis.call('XRANGE', KEYS[2], '(' .. c, '+', 'COUNT', ARGV[1])}
`,
);

/**
 * Which of the shard outboxes given (KEYS) hold entries, that is effects not forwarded yet (the
 * forwarder trims what it forwards): their 0-based positions in KEYS. One Redis only (the keys
 * span slots), so that an idle forwarder asks once, not once per shard.
 */
export const OUTBOX_PENDING = script(
  'outbox-pending',
  'no-writes',
  `
local out = {}
for i, k in ipairs(KEYS) do
  -- A key of another type counts as pending: forwarding that shard reports it, the others go on.
  local ty = redis.call('TYPE', k)['ok']
  if ty ~= 'none' and (ty ~= 'stream' or redis.call('XLEN', k) > 0) then out[#out + 1] = i - 1 end
end
return out
`,
);

/**
 * Appends entries to one channel stream (KEYS 1), all or none, in the order given (one slot: the
 * channel's). ARGV: 1 approximate MAXLEN (0: none), then per entry k (idempotency key), e (effect
 * JSON), s (order stamp), o (origin). Returns how many were appended.
 */
export const CHANNEL_APPEND = script(
  'channel-append',
  '',
  `
local maxLen = tonumber(ARGV[1])
if maxLen == nil or (#ARGV - 1) % 4 ~= 0 then return redis.error_reply('ERR runnel channel-append: bad arguments; nothing was written') end
local bad = wrongType({KEYS[1], 'stream'})
if bad then return redis.error_reply(bad) end
for i = 2, #ARGV, 4 do
  appendEntry(KEYS[1], ARGV[1], 'k', ARGV[i], 'e', ARGV[i + 1], 's', ARGV[i + 2], 'o', ARGV[i + 3])
end
return (#ARGV - 1) / 4
`,
);

/**
 * Trims from a channel stream (KEYS 1) the entries every consumer group of it has acknowledged:
 * those before the oldest entry a group still has pending, or (a group with none pending) up to
 * the last entry it read. A stream without groups is left alone (its MAXLEN bounds it). One script,
 * so a group created meanwhile is seen. Returns how many entries were trimmed.
 */
export const CHANNEL_TRIM = script(
  'channel-trim',
  // It frees memory: it must run when Redis is at maxmemory (noeviction refuses writing scripts then).
  'allow-oom',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local bad = wrongType({KEYS[1], 'stream'})
if bad then return redis.error_reply(bad) end
local bound, bms, bseq = nil, 0, 0
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local f = {}
  for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
  local keep = f['last-delivered-id']
  if tonumber(f['pending']) > 0 then keep = redis.call('XPENDING', KEYS[1], f['name'])[2] end
  local ms, seq = streamId(keep)
  if ms == nil then return 0 end
  if bound == nil or ms < bms or (ms == bms and seq < bseq) then bound, bms, bseq = keep, ms, seq end
end
if bound == nil then return 0 end
-- MINID keeps entries at or after the bound (a group's last read entry stays: one entry, not a
-- loss); approximate (~): whole stream nodes only, cheap, at most 10,000 entries a call.
return redis.call('XTRIM', KEYS[1], 'MINID', '~', bound)
`,
);

/**
 * After the forwarder appended a shard's entries up to ARGV 1 to their channel streams: moves the
 * shard's cursor (KEYS 1) there and trims the outbox stream (KEYS 2) of everything up to it,
 * exactly. Fenced (KEYS 3 own, ARGV 2 token, '' none): a runtime that lost the shard moves nothing
 * (the new owner forwards those entries again; consumers drop the copies by key). Never moves the
 * cursor back. Returns 1 when moved, 0 when the cursor was already there or beyond.
 */
export const OUTBOX_FORWARDED = script(
  'outbox-forwarded',
  // It frees memory (trims the shard outbox; the cursor it sets is a few bytes): it must run at maxmemory too.
  'allow-oom',
  `
local fence = fenced(KEYS[3], ARGV[2])
if fence then return redis.error_reply(fence) end
local ms, seq = streamId(ARGV[1])
if ms == nil then return redis.error_reply('ERR runnel outbox-forwarded: bad entry id ' .. tostring(ARGV[1])) end
local cur = redis.call('GET', KEYS[1])
if cur then
  local cms, cseq = streamId(cur)
  if cms ~= nil and (cms > ms or (cms == ms and cseq >= seq)) then return 0 end
end
local bad = wrongType({KEYS[2], 'stream'})
if bad then return redis.error_reply(bad) end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('XTRIM', KEYS[2], 'MINID', intText(ms) .. '-' .. intText(seq + 1))
return 1
`,
);

export const SCRIPTS: readonly Script[] = [REPLACE_META, NOT_ENTERED_ONCE, CUSTOMER_IDS, QUEUE_DONE, COMMIT, READ_EVENT, READ_INSTANCE, PUT_CUSTOMER, SET_TIMER, PEEK_TIMERS, CLAIM_TIMERS, CLAIM_TIMERS_ALL, HEAD_TIMER, APPEND_EFFECT, APPEND_ACTIVITY, CUSTOMER_INSTANCES, ADMIT_PERIOD, ADMIT, OWN, ENQUEUE, OUTBOX_READ, OUTBOX_PENDING, CHANNEL_APPEND, CHANNEL_TRIM, OUTBOX_FORWARDED, ENDED_DUE, SWEEP_ENDED, IN_FLIGHT, RECENT, UPGRADE_RECENT, UPGRADE_SEGMENTS];
