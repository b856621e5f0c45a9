-- Shared by the wrk scripts in this folder (loaded with dofile by each of them).
-- Env: TOKEN, USER_ID, TASK_ID; RATE (optional): pace this wrk thread to RATE requests/s.
-- done() prints one parseable line:
--   RESULT rps=... p50_ms=... p90_ms=... p99_ms=... max_ms=... requests=... duration_s=...
--          status_errors=... socket_errors=...
-- (status_errors: responses with status >= 400; socket_errors: connect+read+write+timeout.)
local M = {}

M.token   = os.getenv("TOKEN") or ""
M.user_id = os.getenv("USER_ID") or "u"
M.task_id = os.getenv("TASK_ID") or "t"

function M.auth_headers(extra)
  wrk.headers["Authorization"] = "Bearer " .. M.token
  for k, v in pairs(extra or {}) do wrk.headers[k] = v end
end

-- Pacing (a wrk2-like constant rate for Debian's wrk, which has no -R): delay() runs
-- before each request of any connection of this thread; it hands out evenly spaced send
-- slots 1/RATE apart and makes the connection wait for its slot. The total is RATE as long
-- as there are enough connections (each must fit latency + wait into CONNS/RATE seconds).
-- wrk timers have 1 ms granularity (slots are kept on an exact schedule, so the rounding
-- averages out). If the server falls more than 50 ms behind, the schedule restarts from
-- now instead of bursting to catch up, so the achieved rate then drops below RATE; read
-- achieved rps next to the target. Latency is measured by wrk from the actual send, not
-- from the slot, so this does not correct coordinated omission (fine at half load).
function M.install_pacing()
  local rate = tonumber(os.getenv("RATE") or "")
  if not rate or rate <= 0 then return end
  local ffi = require("ffi")
  pcall(ffi.cdef, [[
    typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
    int clock_gettime(int clk_id, bench_timespec *tp);
  ]])
  local ts = ffi.new("bench_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  local interval = 1000.0 / rate
  local next_slot = nil
  function delay()
    local t = now_ms()
    if next_slot == nil or next_slot < t - 50 then next_slot = t end
    local d = next_slot - t
    next_slot = next_slot + interval
    if d <= 0 then return 0 end
    return math.floor(d + 0.5)
  end
end

function M.done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f requests=%d duration_s=%.2f status_errors=%d socket_errors=%d\n",
    summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests, secs, e.status, e.connect + e.read + e.write + e.timeout))
end

return M
