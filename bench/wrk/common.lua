-- Shared by the wrk scripts of bench/http.py (wrk runs LuaJIT; one Lua state per thread, plus the main one).
--
-- Arguments after `--`: accounts (accounts are numbered 1..accounts, 0 is the hot account), salt (a
-- number < 2^31 that the run draws, so that transfer ids never repeat across rows), size (transfers per
-- batch or bulk request).
-- Account n has the id 00000000-0000-4000-8000-<n on 12 digits> (bench/_harness.py, ACCOUNT_ID_FORMAT).
-- At the end `done` prints one line `WRK_JSON {...}` with the counts and latency percentiles (µs).

local M = {}

local threads = {}
local counter = 0
local salt, thread_no = 0, 0
M.accounts, M.size = 2000, 1000

function M.account(n)
   return string.format("00000000-0000-4000-8000-%012d", n)
end

function M.random_account()
   return M.account(math.random(1, M.accounts))
end

-- A transfer id no other thread or row uses: the run's salt, the thread, random bits and a counter.
function M.uuid()
   counter = counter + 1
   return string.format("%08x-%04x-4%03x-%04x-%012x", salt, thread_no, math.random(0, 0xfff),
                        0x8000 + math.random(0, 0x3fff), counter)
end

function M.transfer(debit, credit)
   return string.format('{"id":"%s","debit_account_id":"%s","credit_account_id":"%s","amount":%d}',
                        M.uuid(), debit, credit, math.random(1, 100))
end

function M.spread_transfer()
   local a = math.random(1, M.accounts)
   local b = 1 + (a + math.random(0, M.accounts - 2)) % M.accounts
   return M.transfer(M.account(a), M.account(b))
end

function M.many(n)
   local items = {}
   for i = 1, n do
      items[i] = M.spread_transfer()
   end
   return '{"transfers":[' .. table.concat(items, ",") .. "]}"
end

function M.post(path, body)
   return wrk.format("POST", path, nil, body)
end

function M.get(path)
   return wrk.format("GET", path, nil, nil)
end

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

function init(args)
   M.accounts = tonumber(args[1] or "2000")
   salt = tonumber(args[2] or "0")
   M.size = tonumber(args[3] or "1000")
   thread_no = rawget(_G, "tid") or 0 -- set by setup() through thread:set
   math.randomseed(salt + 7919 * thread_no + os.time())
   for _ = 1, 10 do math.random() end
   wrk.headers["Content-Type"] = "application/json"
   status_2xx, status_4xx, status_5xx, status_other, first_error = 0, 0, 0, 0, ""
end

function response(status, headers, body)
   if status >= 200 and status < 300 then
      status_2xx = status_2xx + 1
   else
      if status >= 400 and status < 500 then
         status_4xx = status_4xx + 1
      elseif status >= 500 then
         status_5xx = status_5xx + 1
      else
         status_other = status_other + 1
      end
      if first_error == "" then
         first_error = status .. " " .. string.sub(body or "", 1, 200)
      end
   end
end

function done(summary, latency, requests)
   local ok, c4, c5, other, err = 0, 0, 0, 0, ""
   for _, thread in ipairs(threads) do
      ok = ok + (thread:get("status_2xx") or 0)
      c4 = c4 + (thread:get("status_4xx") or 0)
      c5 = c5 + (thread:get("status_5xx") or 0)
      other = other + (thread:get("status_other") or 0)
      if err == "" then err = thread:get("first_error") or "" end
   end
   local e = summary.errors
   err = string.gsub(string.gsub(err, '\\', '\\\\'), '"', '\\"')
   err = string.gsub(err, "[%c]", " ")
   io.write(string.format(
      'WRK_JSON {"duration_us":%d,"requests":%d,"ok":%d,"status_4xx":%d,"status_5xx":%d,"status_other":%d,' ..
      '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,' ..
      '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"first_error":"%s"}\n',
      summary.duration, summary.requests, ok, c4, c5, other,
      e.connect, e.read, e.write, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, err))
end

return M
