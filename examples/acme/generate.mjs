// Acme's data: a deterministic generator for a fictional industrial supplier (Chicago based) with a
// CRM, an ERP and an inventory system. Same seed and scale → the same data, byte for byte: a seeded
// PRNG (no Math.random), every date relative to a fixed TODAY, every iteration in a fixed order.
//
//   node examples/acme/generate.mjs [--seed 42] [--scale 1] [--out DIR]   # prints a summary; --out
//                                                                          # writes JSON of every dataset
//
// Scale 1 ≈ 100,000 ERP order lines (40,000 orders), 10 ≈ 1,000,000. Everything else is sized from it,
// except the product catalogue, the warehouses and the 30 daily stock drops, which are fixed.
//
// The mess is deliberate and listed in `dataset.mess`:
// - duplicate customers: some companies have a second ERP customer, entered by hand, with the name in
//   another case and spacing, another e-mail and no link to the CRM account;
// - rows that break checks: sales orders without a customer, order lines with a negative quantity (a
//   sign error), malformed e-mail addresses in the ERP and the CRM; `dataset.fixes` says how the ERP
//   team corrects the first two at the source;
// - a late file: the stock drop of TODAY − 3 arrives after the drops of the days after it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DAY_MS = 86_400_000;
/** @type {Map<number, string>} */
const isoDays = new Map();

/** The day the data ends ("today" for every relative question). A Sunday. */
export const TODAY = '2026-11-15';
/** The first day of order history: seven full quarters before TODAY's quarter. */
export const HISTORY_START = '2025-01-01';
/** When the ERP team corrects the rows the quality gate refused (after every other change). */
export const FIX_TIME = `${TODAY} 21:00:00`;
/** Order lines per unit of scale (approximately). */
export const LINES_PER_SCALE = 100_000;
/** The days of inventory stock drops (ending TODAY) and the late one. */
export const STOCK_DAYS = 30;
export const LATE_STOCK_DAY = addDays(TODAY, -3);

/** Sales regions and their states (with cities). Acme is in Chicago: the midwest buys the most. */
export const REGIONS = {
  midwest: {
    weight: 0.32,
    states: {
      IL: ['Chicago', 'Springfield', 'Peoria', 'Rockford'],
      OH: ['Columbus', 'Cleveland', 'Cincinnati'],
      MI: ['Detroit', 'Grand Rapids'],
      WI: ['Milwaukee', 'Madison'],
      MN: ['Minneapolis', 'St. Paul'],
      IN: ['Indianapolis', 'Fort Wayne'],
      MO: ['St. Louis', 'Kansas City'],
      IA: ['Des Moines'],
    },
    reps: ['Maria Kowalski', 'Dan Olson', 'Priya Natarajan'],
  },
  northeast: {
    weight: 0.24,
    states: {
      NY: ['New York', 'Buffalo', 'Rochester'],
      NJ: ['Newark', 'Jersey City'],
      PA: ['Philadelphia', 'Pittsburgh'],
      MA: ['Boston', 'Worcester'],
      CT: ['Hartford'],
    },
    reps: ['Sean Murphy', 'Rachel Goldberg'],
  },
  south: {
    weight: 0.24,
    states: {
      TX: ['Dallas', 'Houston', 'Austin'],
      GA: ['Atlanta', 'Savannah'],
      FL: ['Miami', 'Orlando', 'Tampa'],
      NC: ['Charlotte', 'Raleigh'],
      TN: ['Nashville', 'Memphis'],
    },
    reps: ['Luis Hernandez', 'Tanya Brooks'],
  },
  west: {
    weight: 0.2,
    states: {
      CA: ['Los Angeles', 'San Diego', 'Sacramento'],
      WA: ['Seattle', 'Spokane'],
      OR: ['Portland'],
      CO: ['Denver'],
      AZ: ['Phoenix', 'Tucson'],
      NV: ['Reno', 'Las Vegas'],
    },
    reps: ['Kevin Tran', 'Emily Chen'],
  },
};

/** Acme's warehouses (the inventory API serves them). */
export const WAREHOUSES = [
  { warehouse_id: 'WH-CHI', name: 'Chicago Central', city: 'Chicago', state: 'IL', region: 'midwest' },
  { warehouse_id: 'WH-CMH', name: 'Columbus DC', city: 'Columbus', state: 'OH', region: 'midwest' },
  { warehouse_id: 'WH-EWR', name: 'Newark Port', city: 'Newark', state: 'NJ', region: 'northeast' },
  { warehouse_id: 'WH-DFW', name: 'Dallas Hub', city: 'Dallas', state: 'TX', region: 'south' },
  { warehouse_id: 'WH-RNO', name: 'Reno West', city: 'Reno', state: 'NV', region: 'west' },
];

// ---------------------------------------------------------------------------------------------------
// Randomness and dates.

/** FNV-1a of a string: 32 bits. */
function hash32(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/**
 * A seeded PRNG (mulberry32) for one part of the data: each part has its own stream, so changing
 * how one part is drawn does not shift the others.
 * @param {number} seed
 * @param {string} label
 */
export function prng(seed, label) {
  let a = hash32(`${seed}:${label}`);
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** An integer in [lo, hi]. */
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    /** @template T @param {readonly T[]} xs @returns {T} */
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
    /** An index drawn from cumulative weights (ascending, last = total). */
    weighted: (cum) => {
      const x = next() * cum[cum.length - 1];
      let lo = 0;
      let hi = cum.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid] > x) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    },
    /** A shuffled copy (Fisher–Yates). @template T @param {readonly T[]} xs @returns {T[]} */
    shuffle: (xs) => {
      const out = [...xs];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
  };
}

/** @param {string} iso YYYY-MM-DD */
export function dayNumber(iso) {
  return Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / DAY_MS;
}
/** @param {number} n */
export function isoDay(n) {
  let s = isoDays.get(n);
  if (s === undefined) {
    s = new Date(n * DAY_MS).toISOString().slice(0, 10);
    isoDays.set(n, s);
  }
  return s;
}

/** @param {string} iso @param {number} days */
export function addDays(iso, days) {
  return isoDay(dayNumber(iso) + days);
}
/** `YYYY-MM-DD HH:MM:SS` of a day and a second of that day. */
function stamp(day, second) {
  const s = Math.max(0, Math.min(86_399, Math.floor(second)));
  const hh = String(Math.floor(s / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${isoDay(day)} ${hh}:${mm}:${ss}`;
}
/** A time during business hours (08:00–18:00) as seconds of the day. */
const businessSecond = (r) => 8 * 3600 + Math.floor(r.next() * 10 * 3600);
/** The first and last day (inclusive) of the calendar quarter containing `iso`, as ISO dates. */
export function quarterOf(iso) {
  const y = Number(iso.slice(0, 4));
  const q = Math.floor((Number(iso.slice(5, 7)) - 1) / 3);
  const first = `${y}-${String(q * 3 + 1).padStart(2, '0')}-01`;
  const nextFirst = q === 3 ? `${y + 1}-01-01` : `${y}-${String(q * 3 + 4).padStart(2, '0')}-01`;
  return { first, last: addDays(nextFirst, -1), label: `Q${q + 1} ${y}` };
}
/** The quarter before the one containing `iso` ("last quarter" on that day). */
export function previousQuarter(iso) {
  return quarterOf(addDays(quarterOf(iso).first, -1));
}

// ---------------------------------------------------------------------------------------------------
// Reference data.

const NAME_PREFIXES = [
  'Apex',
  'Beacon',
  'Cedar',
  'Delta',
  'Eagle',
  'Falcon',
  'Granite',
  'Harbor',
  'Iron',
  'Juniper',
  'Keystone',
  'Lakeshore',
  'Maple',
  'Northstar',
  'Oakridge',
  'Pioneer',
  'Quarry',
  'Redwood',
  'Summit',
  'Titan',
  'Union',
  'Valley',
  'Westfield',
  'Zenith',
  'Blue River',
  'Copper',
  'Frontier',
  'Golden',
  'Heartland',
  'Liberty',
  'Midland',
  'Prairie',
  'Riverside',
  'Silverline',
  'Tri-State',
  'Great Lakes',
  'Evergreen',
  'Ironwood',
  'Bayview',
  "O'Connell",
];
const NAME_CORES = [
  'Manufacturing',
  'Fabrication',
  'Industrial Supply',
  'Machine Works',
  'Logistics',
  'Construction',
  'Tool & Die',
  'Packaging',
  'Electric',
  'Plumbing',
  'Metals',
  'Plastics',
  'Foods',
  'Auto Parts',
  'HVAC',
  'Builders',
  'Systems',
  'Equipment',
  'Marine',
  'Farm Supply',
  'Robotics',
  'Components',
  'Printing',
  'Woodworks',
  'Hardware',
  'Engineering',
  'Distribution',
  'Textiles',
  'Energy',
  'Labs',
];
const NAME_SUFFIXES = ['Inc', 'LLC', 'Co', 'Corp', 'Group', 'Ltd', '& Sons', 'Partners'];
const INDUSTRIES = [
  'manufacturing',
  'construction',
  'logistics',
  'food & beverage',
  'automotive',
  'energy',
  'retail',
  'facilities',
];
const FIRST_NAMES = [
  'James',
  'Mary',
  'Robert',
  'Patricia',
  'John',
  'Jennifer',
  'Michael',
  'Linda',
  'David',
  'Elizabeth',
  'William',
  'Barbara',
  'Richard',
  'Susan',
  'Joseph',
  'Jessica',
  'Thomas',
  'Sarah',
  'Carlos',
  'Karen',
  'Wei',
  'Aisha',
  'Raj',
  'Olga',
  'Kenji',
  'Fatima',
  'Mateo',
  'Ingrid',
  'Tomasz',
  'Grace',
];
const LAST_NAMES = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Nowak',
  'Anderson',
  'Taylor',
  'Thomas',
  'Moore',
  'Jackson',
  'Lee',
  'Kim',
  'Patel',
  'Nguyen',
  "O'Brien",
  'Schmidt',
  'Larsen',
  'Rossi',
  'Cohen',
  'Okafor',
  'Yamamoto',
  'Silva',
  'Novak',
  'Fischer',
];
const TITLES = [
  'Purchasing Manager',
  'Buyer',
  'Plant Manager',
  'Operations Director',
  'Accounts Payable',
  'Maintenance Lead',
  'CFO',
  'Procurement Specialist',
];

/** The product catalogue: category, nouns, variants, list price range (cents), most units per line. */
const CATEGORIES = [
  {
    name: 'Fasteners',
    nouns: [
      'Hex Bolt',
      'Carriage Bolt',
      'Lag Screw',
      'Wood Screw',
      'Machine Screw',
      'Hex Nut',
      'Anchor Bolt',
    ],
    variants: ['M6', 'M8', 'M10', '1/4"', '3/8"', '1/2"'],
    uom: 'box of 100',
    price: [800, 4500],
    maxQty: 40,
  },
  {
    name: 'Power Tools',
    nouns: ['Cordless Drill', 'Impact Driver', 'Angle Grinder', 'Circular Saw', 'Rotary Hammer', 'Jigsaw'],
    variants: ['18V', '20V Brushless', 'Compact', 'Heavy-Duty'],
    uom: 'each',
    price: [8900, 42900],
    maxQty: 5,
  },
  {
    name: 'Hand Tools',
    nouns: ['Claw Hammer', 'Torque Wrench', 'Socket Set', 'Pliers Set', 'Tape Measure', 'Spirit Level'],
    variants: ['Pro', 'Standard', 'Metric', 'SAE'],
    uom: 'each',
    price: [900, 18900],
    maxQty: 12,
  },
  {
    name: 'Safety',
    nouns: ['Safety Glasses', 'Hard Hat', 'Work Gloves', 'Hi-Vis Vest', 'Respirator Mask', 'First Aid Kit'],
    variants: ['Clear', 'Class 2', 'Size L', 'Size XL', 'N95'],
    uom: 'each',
    price: [300, 12000],
    maxQty: 60,
  },
  {
    name: 'Electrical',
    nouns: [
      'Extension Cord',
      'Wire Spool',
      'Circuit Breaker',
      'LED Work Light',
      'Junction Box',
      'Cable Ties',
    ],
    variants: ['12 AWG', '14 AWG', '20A', '50ft', '100ft'],
    uom: 'each',
    price: [400, 16000],
    maxQty: 30,
  },
  {
    name: 'Plumbing',
    nouns: ['PVC Pipe', 'Copper Fitting', 'Ball Valve', 'Pipe Wrench', 'Thread Seal Tape'],
    variants: ['1/2"', '3/4"', '1"', '10ft'],
    uom: 'each',
    price: [250, 9000],
    maxQty: 25,
  },
  {
    name: 'Packaging',
    nouns: ['Stretch Film', 'Packing Tape', 'Corrugated Box', 'Bubble Roll'],
    variants: ['18in', '48 rolls', '12x12x12', '24x18x18'],
    uom: 'case',
    price: [1500, 7500],
    maxQty: 30,
  },
  {
    name: 'Abrasives',
    nouns: ['Grinding Disc', 'Sanding Belt', 'Flap Disc', 'Cutting Oil'],
    variants: ['4.5in', '36 grit', '80 grit', '1 gal'],
    uom: 'pack',
    price: [600, 5500],
    maxQty: 35,
  },
];
/** Products in the catalogue (fixed, whatever the scale). */
export const PRODUCT_COUNT = 150;

const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '');

// ---------------------------------------------------------------------------------------------------
// The dataset.

/**
 * @typedef {{ seed: number, scale: number }} GenerateOptions
 * @typedef {Record<string, string | number | boolean | null>} Row
 */

/**
 * Every dataset of Acme for a seed and a scale. Pure: no I/O, no clock, no Math.random.
 * Money is integer cents in every row (the writers print it as DECIMAL); dates are `YYYY-MM-DD`,
 * timestamps `YYYY-MM-DD HH:MM:SS` (UTC), except the inventory API's `updated_at` (ISO 8601 with Z).
 * @param {Partial<GenerateOptions>} [options]
 */
export function generate(options = {}) {
  const seed = options.seed ?? 42;
  const scale = options.scale ?? 1;
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed ${seed}: expected a whole number ≥ 0`);
  if (!(scale > 0) || scale > 100) throw new Error(`--scale ${scale}: expected a number in (0, 100]`);
  const today = dayNumber(TODAY);
  const start = dayNumber(HISTORY_START);

  // --- Products (fixed catalogue; the RNG stream does not depend on the scale).
  const pr = prng(seed, 'products');
  /** @type {Row[]} */
  const products = [];
  const productNames = new Set();
  for (let i = 0; products.length < PRODUCT_COUNT; i++) {
    const cat = CATEGORIES[i % CATEGORIES.length];
    let name = '';
    for (let tries = 0; tries < 50; tries++) {
      name = `${pr.pick(cat.nouns)} ${pr.pick(cat.variants)}`;
      if (!productNames.has(name)) break;
    }
    if (productNames.has(name)) continue;
    productNames.add(name);
    const id = products.length + 1;
    const listPrice = Math.round(pr.int(cat.price[0], cat.price[1]) / 5) * 5 - 1;
    products.push({
      ProductID: id,
      SKU: `ACM-${String(10000 + id * 7).padStart(5, '0')}`,
      ProductName: name,
      Category: cat.name,
      ListPrice: listPrice,
      StandardCost: Math.round(listPrice * (0.45 + pr.next() * 0.2)),
      IsDiscontinued: pr.chance(0.04),
      ModifiedDate: stamp(start - pr.int(30, 400), businessSecond(pr)),
    });
  }
  const maxQtyOf = (p) => CATEGORIES.find((c) => c.name === p.Category).maxQty;
  // Popularity: a Zipf-like weight on a shuffled rank, and a few regional favourites.
  const ranks = pr.shuffle(products.map((_, i) => i));
  const baseWeight = products.map((_, i) => 1 / (ranks[i] + 3) ** 1.15);
  /** @type {Record<string, number[]>} cumulative product weights per region */
  const productCum = {};
  /** @type {Record<string, string[]>} */
  const favourites = {};
  for (const region of Object.keys(REGIONS)) {
    const w = [...baseWeight];
    favourites[region] = [];
    for (let k = 0; k < 3; k++) {
      const j = pr.int(0, products.length - 1);
      w[j] *= 2.5;
      favourites[region].push(products[j].ProductName);
    }
    let acc = 0;
    productCum[region] = w.map((x) => {
      acc += x;
      return acc;
    });
  }

  // --- Companies: one CRM account and (usually) one ERP customer each.
  const nCompanies = Math.max(40, Math.round(1000 * scale));
  const cr = prng(seed, 'companies');
  const regionNames = Object.keys(REGIONS);
  let accRegion = 0;
  const regionCum = regionNames.map((r) => {
    accRegion += REGIONS[r].weight;
    return accRegion;
  });
  const usedNames = new Set();
  const usedDomains = new Set();
  /** @type {{ id: number, name: string, domain: string, region: string, state: string, city: string, industry: string, tier: number, created: number, owner: string }[]} */
  const companies = [];
  for (let i = 0; i < nCompanies; i++) {
    const region = regionNames[cr.weighted(regionCum)];
    const state = cr.pick(Object.keys(REGIONS[region].states));
    const city = cr.pick(REGIONS[region].states[state]);
    let prefix = '';
    let core = '';
    let name = '';
    for (let tries = 0; tries < 30 && (name === '' || usedNames.has(name)); tries++) {
      prefix = cr.pick(NAME_PREFIXES);
      core = cr.pick(NAME_CORES);
      name = `${prefix} ${core} ${cr.pick(NAME_SUFFIXES)}`;
    }
    if (usedNames.has(name)) name = `${name} of ${city}`;
    for (let n = 2; usedNames.has(name); n++) name = `${prefix} ${core} ${n}`;
    usedNames.add(name);
    let domain = `${slug(prefix)}${slug(core)}.com`;
    for (let n = 2; usedDomains.has(domain); n++) domain = `${slug(prefix)}${slug(core)}${n}.com`;
    usedDomains.add(domain);
    const t = cr.next();
    const tier = t < 0.6 ? 0 : t < 0.9 ? 1 : 2;
    // 85% were customers before the history starts; the rest joined during it.
    const created = cr.chance(0.85) ? start - cr.int(30, 2200) : start + cr.int(0, today - start - 30);
    companies.push({
      id: i + 1,
      name,
      domain,
      region,
      state,
      city,
      industry: cr.pick(INDUSTRIES),
      tier,
      created,
      owner: cr.pick(REGIONS[region].reps),
    });
  }

  // --- CRM.
  const crm = { accounts: [], contacts: [], opportunities: [], activities: [] };
  const cx = prng(seed, 'crm');
  const phone = (r, state) =>
    `(${{ IL: 312, OH: 614, MI: 313, WI: 414, MN: 612, IN: 317, MO: 314, IA: 515, NY: 212, NJ: 973, PA: 215, MA: 617, CT: 860, TX: 214, GA: 404, FL: 305, NC: 704, TN: 615, CA: 213, WA: 206, OR: 503, CO: 303, AZ: 602, NV: 775 }[state] ?? 800}) 555-${String(r.int(100, 9999)).padStart(4, '0')}`;
  let contactId = 0;
  let opportunityId = 0;
  let activityId = 0;
  /** @type {{ table: string, key: Row, column: string, value: string }[]} */
  const badEmails = [];
  const nBadContactEmails = Math.max(3, Math.round(nCompanies * 0.004));
  const badContactAt = new Set(
    cx.shuffle(Array.from({ length: nCompanies }, (_, i) => i)).slice(0, nBadContactEmails),
  );
  const stages = ['prospecting', 'qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost'];
  for (const [i, c] of companies.entries()) {
    const updated = Math.min(today - 1, Math.max(c.created, start) + cx.int(0, 400));
    crm.accounts.push({
      account_id: c.id,
      name: c.name,
      domain: c.domain,
      industry: c.industry,
      region: c.region,
      state: c.state,
      city: c.city,
      owner: c.owner,
      created_at: stamp(c.created, businessSecond(cx)),
      updated_at: stamp(updated, businessSecond(cx)),
    });
    const nContacts = cx.int(1, 4);
    for (let k = 0; k < nContacts; k++) {
      contactId++;
      const first = cx.pick(FIRST_NAMES);
      const last = cx.pick(LAST_NAMES);
      let email = `${slug(first)}.${slug(last)}@${c.domain}`;
      if (k === 0 && badContactAt.has(i)) {
        email = cx.pick([
          `${slug(first)}.${slug(last)}.${c.domain}`,
          `${slug(first)}.${slug(last)}@`,
          `${slug(first)} ${slug(last)}@${c.domain}`,
        ]);
        badEmails.push({
          table: 'crm.contacts',
          key: { contact_id: contactId },
          column: 'email',
          value: email,
        });
      }
      const createdAt = Math.max(c.created, start - 400) + cx.int(0, 200);
      crm.contacts.push({
        contact_id: contactId,
        account_id: c.id,
        first_name: first,
        last_name: last,
        email,
        phone: phone(cx, c.state),
        title: cx.pick(TITLES),
        created_at: stamp(Math.min(createdAt, today - 1), businessSecond(cx)),
        updated_at: stamp(Math.min(createdAt + cx.int(0, 300), today - 1), businessSecond(cx)),
      });
    }
    const nOpps = cx.int(0, 2) + c.tier;
    for (let k = 0; k < nOpps; k++) {
      opportunityId++;
      const createdDay =
        Math.max(c.created, start) + cx.int(0, Math.max(1, today - Math.max(c.created, start)));
      const open = createdDay > today - 150 && cx.chance(0.7);
      const stage = open ? cx.pick(stages.slice(0, 4)) : cx.chance(0.55) ? 'closed_won' : 'closed_lost';
      const closeDay = open ? today + cx.int(10, 200) : Math.min(today - 1, createdDay + cx.int(10, 120));
      const cat = cx.pick(CATEGORIES);
      crm.opportunities.push({
        opportunity_id: opportunityId,
        account_id: c.id,
        name: `${c.name.split(' ')[0]} - ${cat.name} ${cx.pick(['restock', 'annual contract', 'new site', 'retrofit'])}`,
        stage,
        amount: cx.int(20, 900) * 5000 * (1 + c.tier),
        close_date: isoDay(closeDay),
        created_at: stamp(Math.min(createdDay, today - 1), businessSecond(cx)),
        updated_at: stamp(
          Math.min(open ? createdDay + cx.int(0, 60) : closeDay, today - 1),
          businessSecond(cx),
        ),
      });
    }
    const nActivities = cx.int(2, 8) + 3 * c.tier;
    const firstContact = contactId - nContacts + 1;
    for (let k = 0; k < nActivities; k++) {
      activityId++;
      const day = Math.max(c.created, start) + cx.int(0, Math.max(1, today - 1 - Math.max(c.created, start)));
      const kind = cx.pick(['call', 'email', 'meeting', 'visit']);
      const at = stamp(Math.min(day, today - 1), businessSecond(cx));
      crm.activities.push({
        activity_id: activityId,
        account_id: c.id,
        contact_id: firstContact + cx.int(0, nContacts - 1),
        activity_type: kind,
        subject: `${kind[0].toUpperCase()}${kind.slice(1)}: ${cx.pick(['reorder', 'quote follow-up', 'pricing', 'delivery issue', 'new project', 'invoice question'])}`,
        occurred_at: at,
        updated_at: at,
      });
    }
  }

  // --- ERP customers: one per company (linked to its CRM account), plus the duplicates.
  const er = prng(seed, 'erp-customers');
  const order = er.shuffle(companies.map((_, i) => i));
  /** @type {Row[]} */
  const customers = [];
  /** company index → ERP CustomerID */
  const customerOf = new Array(nCompanies);
  const nBadCustomerEmails = Math.max(3, Math.round(nCompanies * 0.01));
  for (const [k, ci] of order.entries()) {
    const c = companies[ci];
    const id = 10001 + k;
    customerOf[ci] = id;
    let email = `${er.pick(['ap', 'billing', 'accounts', 'invoices'])}@${c.domain}`;
    if (k < nBadCustomerEmails) {
      email = er.pick([email.replace('@', '.'), email.replace('@', '@@'), email.replace('@', '(at)')]);
      badEmails.push({ table: 'erp.customers', key: { CustomerID: id }, column: 'Email', value: email });
    }
    customers.push({
      CustomerID: id,
      CrmAccountID: c.id,
      CustomerName: c.name,
      Email: email,
      Phone: phone(er, c.state),
      Region: c.region,
      State: c.state,
      City: c.city,
      CreatedDate: stamp(c.created, businessSecond(er)),
      ModifiedDate: stamp(
        Math.min(today - 1, Math.max(c.created, start) + er.int(0, 500)),
        businessSecond(er),
      ),
    });
  }
  const nDuplicates = Math.max(4, Math.round(nCompanies * 0.02));
  /** company index → { id, from } of its duplicate customer */
  const duplicateOf = new Map();
  /** @type {{ crmAccountId: number, crmName: string, erpCustomerId: number, duplicateCustomerId: number, duplicateName: string, duplicateEmail: string }[]} */
  const duplicates = [];
  for (const ci of er.shuffle(companies.map((_, i) => i)).slice(0, nDuplicates)) {
    const c = companies[ci];
    const id = 10001 + nCompanies + duplicates.length;
    const variants = [
      c.name.toUpperCase(),
      c.name.toLowerCase(),
      `${c.name.replace(/ /g, '  ')}`,
      ` ${c.name} `,
      c.name.toUpperCase().replace(' ', '   '),
    ];
    const dupName = variants[duplicates.length % variants.length];
    const from =
      Math.max(c.created, start) + er.int(30, Math.max(31, today - Math.max(c.created, start) - 60));
    const email = `${er.pick(['orders', 'purchasing', 'office'])}.${slug(c.name).slice(0, 12)}@${er.pick(['gmail.com', 'outlook.com', 'yahoo.com'])}`;
    duplicateOf.set(ci, { id, from });
    duplicates.push({
      crmAccountId: c.id,
      crmName: c.name,
      erpCustomerId: customerOf[ci],
      duplicateCustomerId: id,
      duplicateName: dupName,
      duplicateEmail: email,
    });
    customers.push({
      CustomerID: id,
      CrmAccountID: null,
      CustomerName: dupName,
      Email: email,
      Phone: phone(er, c.state),
      Region: c.region,
      State: c.state,
      City: c.city,
      CreatedDate: stamp(from, businessSecond(er)),
      ModifiedDate: stamp(from, businessSecond(er) + 600),
    });
  }

  // --- ERP orders and lines.
  const orng = prng(seed, 'erp-orders');
  const targetLines = Math.round(LINES_PER_SCALE * scale);
  const nOrders = Math.max(200, Math.round(targetLines / 2.5));
  const days = [];
  const dayCum = [];
  let accDay = 0;
  for (let d = start; d <= today; d++) {
    const weekday = new Date(d * DAY_MS).getUTCDay();
    const month = new Date(d * DAY_MS).getUTCMonth();
    const growth = 1 + (0.5 * (d - start)) / (today - start);
    const season = month >= 8 && month <= 10 ? 1.15 : month === 0 ? 0.8 : 1;
    accDay += (weekday === 0 || weekday === 6 ? 0.25 : 1) * growth * season;
    days.push(d);
    dayCum.push(accDay);
  }
  const tierWeight = [1, 3, 8];
  let accCust = 0;
  const companyCum = companies.map((c) => {
    accCust += tierWeight[c.tier];
    return accCust;
  });
  const orderDays = Array.from({ length: nOrders }, () => days[orng.weighted(dayCum)]).sort((a, b) => a - b);
  /** @type {Row[]} */
  const salesOrders = [];
  /** @type {Row[]} */
  const orderLines = [];
  /** @type {Row[]} */
  const invoices = [];
  const discount = [0, 0.05, 0.1];
  let lineId = 0;
  let invoiceId = 0;
  for (const [k, d] of orderDays.entries()) {
    let ci = orng.weighted(companyCum);
    for (let tries = 0; tries < 10 && companies[ci].created > d; tries++) ci = orng.weighted(companyCum);
    if (companies[ci].created > d) ci = companies.findIndex((c) => c.created <= d);
    const c = companies[ci];
    const dup = duplicateOf.get(ci);
    const customerId = dup && d >= dup.from && orng.chance(0.4) ? dup.id : customerOf[ci];
    const id = 500001 + k;
    const age = today - d;
    const status = age < 4 ? 'Open' : orng.chance(0.03) ? 'Cancelled' : 'Shipped';
    const shipDay = Math.min(today, d + orng.int(1, 3));
    const modified =
      status === 'Shipped' ? stamp(shipDay, businessSecond(orng)) : stamp(d, 18 * 3600 + orng.int(0, 3599));
    salesOrders.push({
      SalesOrderID: id,
      OrderNumber: `SO-${String(id).padStart(7, '0')}`,
      CustomerID: customerId,
      OrderDate: isoDay(d),
      Region: c.region,
      ShipWarehouseID:
        c.region === 'midwest'
          ? c.state === 'OH' || c.state === 'MI' || c.state === 'IN'
            ? 'WH-CMH'
            : 'WH-CHI'
          : WAREHOUSES.find((w) => w.region === c.region).warehouse_id,
      Status: status,
      ModifiedDate: modified,
    });
    const nLines = orng.int(1, 4);
    const seen = new Set();
    let total = 0;
    for (let ln = 1; ln <= nLines; ln++) {
      let pi = orng.weighted(productCum[c.region]);
      for (let tries = 0; tries < 5 && seen.has(pi); tries++) pi = orng.weighted(productCum[c.region]);
      if (seen.has(pi)) continue;
      seen.add(pi);
      const p = products[pi];
      const qty = 1 + Math.floor(maxQtyOf(p) * orng.next() ** 2);
      const unit = Math.round(p.ListPrice * (1 - discount[c.tier]));
      total += qty * unit;
      lineId++;
      orderLines.push({
        OrderLineID: lineId,
        SalesOrderID: id,
        LineNumber: seen.size,
        ProductID: p.ProductID,
        Quantity: qty,
        UnitPrice: unit,
        ModifiedDate: stamp(d, 18 * 3600 + orng.int(0, 3599)),
      });
    }
    if (status === 'Shipped') {
      invoiceId++;
      const due = shipDay + 30;
      const paid =
        due < today + 10 && orng.chance(age > 60 ? 0.97 : 0.6)
          ? Math.min(today - 1, shipDay + orng.int(5, 45))
          : null;
      invoices.push({
        InvoiceID: invoiceId,
        SalesOrderID: id,
        InvoiceNumber: `INV-${String(700000 + invoiceId)}`,
        InvoiceDate: isoDay(shipDay),
        DueDate: isoDay(due),
        Amount: total,
        Status: paid !== null ? 'Paid' : due < today ? 'Overdue' : 'Open',
        PaidDate: paid !== null ? isoDay(paid) : null,
        ModifiedDate: stamp(paid ?? shipDay, businessSecond(orng)),
      });
    }
  }

  // --- Rows that break checks, and how the ERP team fixes them.
  const mr = prng(seed, 'mess');
  const nMissingCustomer = Math.max(3, Math.round(nOrders * 0.001));
  const nNegative = Math.max(3, Math.round(orderLines.length * 0.0003));
  const fixes = { SalesOrders: [], OrderLines: [] };
  const eligibleOrders = salesOrders.filter((o) => o.Status === 'Shipped');
  for (const o of mr.shuffle(eligibleOrders).slice(0, nMissingCustomer)) {
    fixes.SalesOrders.push({
      SalesOrderID: o.SalesOrderID,
      CustomerID: o.CustomerID,
      ModifiedDate: FIX_TIME,
    });
    o.CustomerID = null;
  }
  for (const l of mr.shuffle(orderLines).slice(0, nNegative)) {
    fixes.OrderLines.push({ OrderLineID: l.OrderLineID, Quantity: l.Quantity, ModifiedDate: FIX_TIME });
    l.Quantity = -l.Quantity;
  }
  fixes.SalesOrders.sort((a, b) => a.SalesOrderID - b.SalesOrderID);
  fixes.OrderLines.sort((a, b) => a.OrderLineID - b.OrderLineID);

  // --- Inventory: the API's products and warehouses, and daily stock drops per warehouse.
  const ir = prng(seed, 'inventory');
  const apiProducts = products.map((p) => ({
    sku: p.SKU,
    name: p.ProductName,
    category: p.Category,
    unit_of_measure: CATEGORIES.find((c) => c.name === p.Category).uom,
    reorder_point: ir.int(2, 20) * 5,
    weight_kg: Math.round(ir.next() * 2500) / 100 + 0.05,
    updated_at: `${stamp(today - ir.int(1, 120), businessSecond(ir)).replace(' ', 'T')}Z`,
  }));
  /** @type {{ day: string, rows: Row[] }[]} */
  const stock = [];
  const level = WAREHOUSES.map(() => products.map(() => ir.int(20, 400)));
  for (let d = today - STOCK_DAYS + 1; d <= today; d++) {
    /** @type {Row[]} */
    const rows = [];
    for (const [wi, w] of WAREHOUSES.entries()) {
      for (const [pi, p] of products.entries()) {
        const onHand = level[wi][pi];
        rows.push({
          snapshot_date: isoDay(d),
          warehouse_id: w.warehouse_id,
          sku: p.SKU,
          on_hand: onHand,
          reserved: Math.min(onHand, ir.int(0, 12)),
        });
        const sold = ir.int(0, 15);
        level[wi][pi] = onHand - sold < 20 ? onHand - sold + ir.int(100, 300) : onHand - sold;
      }
    }
    stock.push({ day: isoDay(d), rows });
  }

  return {
    seed,
    scale,
    today: TODAY,
    historyStart: HISTORY_START,
    crm,
    erp: {
      Customers: customers,
      Products: products,
      SalesOrders: salesOrders,
      OrderLines: orderLines,
      Invoices: invoices,
    },
    inventory: {
      warehouses: WAREHOUSES.map((w) => ({ ...w })),
      products: apiProducts,
      stock,
      lateDay: LATE_STOCK_DAY,
    },
    fixes,
    mess: {
      duplicates,
      badEmails,
      missingCustomer: fixes.SalesOrders.map((f) => f.SalesOrderID),
      negativeQuantity: fixes.OrderLines.map((f) => f.OrderLineID),
      lateFile: `stock_${LATE_STOCK_DAY}.csv`,
      regionalFavourites: favourites,
    },
  };
}

/** Row counts of a dataset, by table. @param {ReturnType<typeof generate>} ds */
export function counts(ds) {
  return {
    'crm.accounts': ds.crm.accounts.length,
    'crm.contacts': ds.crm.contacts.length,
    'crm.opportunities': ds.crm.opportunities.length,
    'crm.activities': ds.crm.activities.length,
    'erp.Customers': ds.erp.Customers.length,
    'erp.Products': ds.erp.Products.length,
    'erp.SalesOrders': ds.erp.SalesOrders.length,
    'erp.OrderLines': ds.erp.OrderLines.length,
    'erp.Invoices': ds.erp.Invoices.length,
    'inventory.products': ds.inventory.products.length,
    'inventory.warehouses': ds.inventory.warehouses.length,
    'inventory.stock': ds.inventory.stock.reduce((n, d) => n + d.rows.length, 0),
  };
}

/** One stock drop as CSV text (header first, `"` quoting where needed). @param {{ rows: Row[] }} drop */
export function stockCsv(drop) {
  const cols = ['snapshot_date', 'warehouse_id', 'sku', 'on_hand', 'reserved'];
  return `${cols.join(',')}\n${drop.rows.map((r) => cols.map((c) => r[c]).join(',')).join('\n')}\n`;
}

/** Parses `--name value` pairs. @param {string[]} argv */
export function parseArgs(argv) {
  /** @type {Record<string, string | true>} */
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const [k, v] = a.slice(2).split('=', 2);
    if (v !== undefined) out[k] = v;
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out[k] = argv[++i];
    else out[k] = true;
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const ds = generate({
    seed: args.seed !== undefined ? Number(args.seed) : 42,
    scale: args.scale !== undefined ? Number(args.scale) : 1,
  });
  const ms = performance.now() - t0;
  console.log(
    `Acme data, seed ${ds.seed}, scale ${ds.scale}, today ${ds.today}: generated in ${ms.toFixed(0)} ms`,
  );
  for (const [t, n] of Object.entries(counts(ds))) console.log(`  ${t.padEnd(22)} ${n}`);
  console.log(
    `  mess: ${ds.mess.duplicates.length} duplicate customers, ${ds.mess.missingCustomer.length} orders without a customer, ${ds.mess.negativeQuantity.length} negative quantities, ${ds.mess.badEmails.length} malformed e-mails, late file ${ds.mess.lateFile}`,
  );
  if (typeof args.out === 'string') {
    mkdirSync(args.out, { recursive: true });
    for (const [name, value] of [
      ['crm', ds.crm],
      ['erp', ds.erp],
      ['inventory', ds.inventory],
      ['fixes', ds.fixes],
      ['mess', ds.mess],
    ]) {
      writeFileSync(join(args.out, `${name}.json`), `${JSON.stringify(value)}\n`);
    }
    console.log(`  written to ${args.out}`);
  }
}
