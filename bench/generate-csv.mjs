// Generates the benchmark CSV: N rows × 9 columns (ids, text, decimals, dates, timestamps, booleans).
// Usage: node bench/generate-csv.mjs <file> <rows>
import { createWriteStream } from 'node:fs';

const [file, n] = [process.argv[2], Number(process.argv[3] ?? 1_000_000)];
const out = createWriteStream(file);
let seed = 42;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const regions = ['midwest', 'northeast', 'south', 'west'];
const statuses = ['open', 'shipped', 'invoiced', 'cancelled'];
out.write('order_id,customer_id,region,status,quantity,unit_price,discount,order_date,updated_at\n');
let buf = '';
for (let i = 1; i <= n; i++) {
  const day = new Date(Date.UTC(2024, 0, 1) + Math.floor(rand() * 1000) * 86400000);
  const upd = new Date(day.getTime() + Math.floor(rand() * 86400000));
  buf += `${i},${1 + Math.floor(rand() * 50000)},${regions[i % 4]},${statuses[Math.floor(rand() * 4)]},${1 + Math.floor(rand() * 100)},${(rand() * 1000).toFixed(2)},${(rand() * 0.3).toFixed(2)},${day.toISOString().slice(0, 10)},${upd.toISOString().slice(0, 19).replace('T', ' ')}\n`;
  if (buf.length > 1 << 20) {
    if (!out.write(buf)) await new Promise((r) => out.once('drain', r));
    buf = '';
  }
}
out.write(buf);
out.end();
