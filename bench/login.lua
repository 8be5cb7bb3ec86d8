-- wrk script for bench/login: POST /v1/auth/login with a JSON body on every
-- request, counting the 200 responses of each thread.
-- Arguments (after --): PASSWORD LOGIN1 [LOGIN2 ...]; thread i logs in as
-- LOGIN i (all customers share the password).
local threads = {}
local n = 0

function setup(thread)
   n = n + 1
   thread:set("idx", n)
   table.insert(threads, thread)
end

function init(args)
   local login = args[1 + idx] or args[2]
   local body = string.format('{"login":"%s","password":"%s"}', login, args[1])
   req = wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, body)
   ok, other = 0, 0
end

function request()
   return req
end

function response(status, headers, body)
   if status == 200 then
      ok = ok + 1
   else
      other = other + 1
   end
end

function done(summary, latency, requests)
   local n200, nother = 0, 0
   for _, t in ipairs(threads) do
      n200 = n200 + t:get("ok")
      nother = nother + t:get("other")
   end
   io.write(string.format(
      "TGBENCH requests=%d duration_us=%d ok=%d other=%d status_errors=%d" ..
      " connect=%d read=%d write=%d timeout=%d p50_us=%d p99_us=%d mean_us=%.0f\n",
      summary.requests, summary.duration, n200, nother, summary.errors.status,
      summary.errors.connect, summary.errors.read, summary.errors.write,
      summary.errors.timeout, latency:percentile(50), latency:percentile(99),
      latency.mean))
end
