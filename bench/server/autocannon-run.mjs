// Runs autocannon against one URL in this (separate) process and prints its result as JSON, so the
// load generator does not share an event loop with the server or with the bench driver.
// Usage: node autocannon-run.mjs <url> <token> <seconds> <connections>
import autocannon from 'autocannon';

const [url, token, seconds, connections] = process.argv.slice(2);
const result = await autocannon({
  url,
  connections: Number(connections),
  duration: Number(seconds),
  headers: { authorization: `Bearer ${token}` },
});
process.stdout.write(
  `${JSON.stringify({
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  })}\n`,
);
