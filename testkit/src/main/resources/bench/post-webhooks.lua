-- wrk script: POSTs pre-signed webhooks (wrk's Lua has no HMAC), each request a new webhook id.
-- Usage: wrk -s post-webhooks.lua URL -- REQUEST_FILE THREADS
-- REQUEST_FILE: one request per line, tab separated: webhook-id, webhook-timestamp,
-- webhook-signature, body (written by the testkit's throughput command, which runs wrk with this script).
-- Thread t of n takes lines t, t+n, ...
-- Prints one machine-readable RESULT line at the end; every non-2xx response is counted.

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local mine = {}
local next_index = 0
bad = 0
wrapped = 0
first_bad = ""

function init(args)
  local file, n = args[1], tonumber(args[2])
  local i = 0
  for line in io.lines(file) do
    if i % n == tid then
      local id, ts, sig, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      mine[#mine + 1] = wrk.format("POST", nil, {
        ["Content-Type"] = "application/json",
        ["webhook-id"] = id,
        ["webhook-timestamp"] = ts,
        ["webhook-signature"] = sig,
      }, body)
    end
    i = i + 1
  end
  if #mine == 0 then
    error("no requests for thread " .. tid .. " in " .. file)
  end
end

function request()
  next_index = next_index + 1
  if next_index > #mine then
    -- Ran out of unique ids: reuse (the stand-in does not deduplicate), but say so.
    next_index = 1
    wrapped = wrapped + 1
  end
  return mine[next_index]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    bad = bad + 1
    if first_bad == "" then
      first_bad = status .. " " .. string.sub(body or "", 1, 200)
    end
  end
end

function done(summary, latency, requests)
  local non2xx, wraps, sample = 0, 0, ""
  for _, thread in ipairs(threads) do
    non2xx = non2xx + thread:get("bad")
    wraps = wraps + thread:get("wrapped")
    local first = thread:get("first_bad")
    if sample == "" and first ~= nil then
      sample = first
    end
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_s=%.3f requests_per_s=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f non2xx=%d socket_errors=%d wrapped=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, non2xx, e.connect + e.read + e.write + e.timeout, wraps))
  if sample ~= "" then
    io.write("FIRST_NON2XX " .. (sample:gsub("\n", " ")) .. "\n")
  end
end
