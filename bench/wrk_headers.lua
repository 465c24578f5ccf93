-- wrk script used by bench_signed_vs_bare.py for every endpoint (bare and signed alike, so the
-- client does the same work per request).
--
--   wrk -t T -c C -d Ds -s wrk_headers.lua http://127.0.0.1:PORT/path -- HEADERS_FILE T MODE
--
-- HEADERS_FILE has one request per line: tab-separated "name=value" header pairs (an empty
-- line means no extra headers). Thread i of T sends lines i, i+T, i+2T, ... in order.
-- MODE "cycle" repeats them freely (the bare endpoint); MODE "once" sends each line at most
-- once and, should the lines run out, wraps around and counts every re-sent line (a re-sent
-- signed request is a replayed nonce, answered 401) in "reused_lines".
-- done() prints one JSON object on a line starting with "BENCH_JSON ".

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

function init(args)
  local file = args[1]
  local nthreads = tonumber(args[2]) or 1
  cycle = (args[3] == "cycle")
  local path = wrk.path
  reqs = {}
  reused = 0
  local i = 0
  for line in io.lines(file) do
    if i % nthreads == tid then
      local headers = {}
      for pair in string.gmatch(line, "[^\t]+") do
        local eq = string.find(pair, "=", 1, true)
        headers[string.sub(pair, 1, eq - 1)] = string.sub(pair, eq + 1)
      end
      reqs[#reqs + 1] = wrk.format("GET", path, headers)
    end
    i = i + 1
  end
  if #reqs == 0 then
    reqs[1] = wrk.format("GET", path, {})
  end
  idx = 0
  once_wrapped = false
end

function request()
  idx = idx + 1
  if idx > #reqs then
    idx = 1
    if not cycle then
      once_wrapped = true
    end
  end
  if once_wrapped then
    reused = reused + 1
  end
  return reqs[idx]
end

function done(summary, latency, requests)
  local total_reused = 0
  for _, t in ipairs(threads) do
    total_reused = total_reused + (t:get("reused") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, ' ..
    '"non2xx": %d, "reused_lines": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, e.connect, e.read, e.write, e.timeout, e.status, total_reused))
end
