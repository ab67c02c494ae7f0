// Generates the small example files in examples/data/ (deterministic: same seed, same bytes).
// Run: node examples/generate-data.mjs
import { writeFileSync } from 'node:fs';

let seed = 20261129;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

const regions = ['midwest', 'northeast', 'south', 'west'];
const industries = ['manufacturing', 'retail', 'healthcare', 'logistics', 'software'];
const words = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Stark',
  'Wayne',
  'Hooli',
  'Vandelay',
  'Soylent',
  'Tyrell',
];
const suffixes = ['Corp', 'LLC', 'Inc', 'Group', 'Partners'];

function accounts(from, to) {
  const lines = ['id,name,region,industry,annual_revenue,employees,is_active,created_at'];
  for (let id = from; id <= to; id++) {
    const created = new Date(
      Date.UTC(2023, 0, 1) + Math.floor(rand() * 700) * 86400000 + Math.floor(rand() * 86400) * 1000,
    );
    const name = `${pick(words)} ${pick(words)} ${pick(suffixes)}`;
    lines.push(
      [
        id,
        id % 17 === 0 ? `"${name}, Ltd."` : name,
        pick(regions),
        pick(industries),
        (Math.floor(rand() * 5_000_000_00) / 100).toFixed(2),
        1 + Math.floor(rand() * 5000),
        rand() < 0.85 ? 'true' : 'false',
        created.toISOString().replace('T', ' ').replace('.000Z', ''),
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

writeFileSync(new URL('./data/accounts.csv', import.meta.url), accounts(1, 200));
writeFileSync(new URL('./data/accounts-2026-11.csv', import.meta.url), accounts(201, 250));

const contacts = [];
for (let id = 1; id <= 300; id++) {
  contacts.push(
    JSON.stringify({
      contact_id: id,
      account_id: 1 + Math.floor(rand() * 250),
      email: `person${id}@example.com`,
      title: pick(['buyer', 'cfo', 'engineer', 'owner', null]),
      last_seen: new Date(Date.UTC(2026, 0, 1) + Math.floor(rand() * 300) * 86400000)
        .toISOString()
        .slice(0, 10),
    }),
  );
}
writeFileSync(new URL('./data/contacts.jsonl', import.meta.url), `${contacts.join('\n')}\n`);
