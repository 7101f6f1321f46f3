-- Shared by the wrk scripts: print the run's numbers as one JSON line at the end.
function report(summary, latency)
   io.write(string.format(
      '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
      '"latency_p50_us": %d, "latency_p90_us": %d, "latency_p99_us": %d, "latency_mean_us": %.1f}\n',
      summary.requests, summary.duration, summary.errors.status,
      summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean))
end
