-- wrk script for bench/session (TradeGuard and nginx alike): only done(),
-- so wrk keeps its fast path (one pre-formatted request, no Lua per
-- response).  wrk counts responses with status >= 400 in errors.status;
-- both endpoints answer 200 or an error, so 200s = requests - status errors.
function done(summary, latency, requests)
   io.write(string.format(
      "TGBENCH requests=%d duration_us=%d ok=%d other=%d status_errors=%d" ..
      " connect=%d read=%d write=%d timeout=%d p50_us=%d p99_us=%d mean_us=%.0f\n",
      summary.requests, summary.duration,
      summary.requests - summary.errors.status, summary.errors.status,
      summary.errors.status, summary.errors.connect, summary.errors.read,
      summary.errors.write, summary.errors.timeout, latency:percentile(50),
      latency:percentile(99), latency.mean))
end
