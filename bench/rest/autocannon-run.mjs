// Runs autocannon against one URL in this (separate) process: a warm-up run first (not reported),
// then the measured run; prints the measured result as JSON. The load generator shares no event
// loop with the server or the bench driver.
// Usage: node autocannon-run.mjs <url> <token> <seconds> <connections> <warm-up seconds>
import autocannon from 'autocannon';

const [url, token, seconds, connections, warmup] = process.argv.slice(2);
const run = (duration) =>
  autocannon({
    url,
    connections: Number(connections),
    duration,
    headers: { authorization: `Bearer ${token}` },
  });
if (Number(warmup) > 0) await run(Number(warmup));
const result = await run(Number(seconds));
process.stdout.write(
  `${JSON.stringify({
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    requests: result.requests.total,
    bytesPerRequest:
      result.requests.total > 0 ? Math.round(result.throughput.total / result.requests.total) : 0,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  })}\n`,
);
