/**
 * Daily time series: one value per calendar day, consecutive, no gaps. Read from CSV text with a date
 * column (ISO `YYYY-MM-DD`) and a value column, checked line by line: every refusal is a DataError of
 * one sentence naming the line and what was expected. Browser-safe (no file access here; the CLI reads
 * the file, `usBirths()` in us-births.ts reads the built-in series).
 *
 * Days are counted as integers since 1970-01-01 (UTC), so "the next day" is `day + 1`.
 *
 * @example
 *   const s = parseSeriesCsv('date,births\n2020-01-01,10\n2020-01-02,12\n', { name: 'b.csv', date: 'date', value: 'births' });
 *   s.values;        // Float64Array [10, 12]
 *   isoDate(s.start + 1); // '2020-01-02'
 */
import { parse } from 'csv-parse/sync';
import { DataError } from './data-error.js';

/** A daily series: `values[i]` is the value of day `start + i`. */
export interface DailySeries {
  /** Where it came from, for messages (a file path or a built-in name). */
  name: string;
  /** The first day, in days since 1970-01-01. */
  start: number;
  values: Float64Array;
}

const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a calendar date (month 1-12). */
export function dayNumber(year: number, month: number, day: number): number {
  return Math.round(Date.UTC(year, month - 1, day) / MS_PER_DAY);
}

/** The calendar date of a day number: year, month 1-12, day of month 1-31. */
export function calendarDate(day: number): { year: number; month: number; day: number } {
  const d = new Date(day * MS_PER_DAY);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** `YYYY-MM-DD` of a day number. */
export function isoDate(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** The day number of an ISO date `YYYY-MM-DD` (a real calendar date), or null. */
export function parseIsoDate(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = dayNumber(y, mo, d);
  const back = calendarDate(day);
  return back.year === y && back.month === mo && back.day === d ? day : null;
}

export interface SeriesColumns {
  /** The source's name in messages (the file path as the user wrote it). */
  name: string;
  /** The header of the date column. */
  date: string;
  /** The header of the value column. */
  value: string;
}

/**
 * Reads a daily series from CSV text (a header line, then one row per day). Refuses, naming the line:
 * a missing column, a missing or non-numeric value, a date that is not ISO, a duplicate date, a date
 * before the previous one, a gap (a missing day), and a file without data rows.
 */
export function parseSeriesCsv(text: string, { name, date, value }: SeriesColumns): DailySeries {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text.replace(/^\uFEFF/, ''), { info: true, skip_empty_lines: true, relax_column_count: true, trim: true }) as unknown as typeof rows;
  } catch (e) {
    throw new DataError(`data file '${name}' is not valid CSV: ${(e as Error).message}`);
  }
  if (rows.length === 0) throw new DataError(`data file '${name}' is empty: expected a header line with the columns '${date}' and '${value}'`);
  const header = rows[0].record;
  const col = (want: string, flag: string) => {
    const i = header.indexOf(want);
    if (i < 0) throw new DataError(`data file '${name}' line ${rows[0].info.lines}: the header has no column '${want}' (${flag}); its columns are ${header.map((h) => `'${h}'`).join(', ')}`);
    return i;
  };
  const di = col(date, '--date');
  const vi = col(value, '--value');
  if (rows.length < 2) throw new DataError(`data file '${name}' has a header but no data rows`);

  const values = new Float64Array(rows.length - 1);
  let start = 0;
  let prev = 0;
  for (let r = 1; r < rows.length; r++) {
    const { record, info } = rows[r];
    const at = `data file '${name}' line ${info.lines}`;
    const dText = record[di] ?? '';
    const vText = record[vi] ?? '';
    const day = parseIsoDate(dText);
    if (day === null) throw new DataError(`${at}: the date '${dText}' is not an ISO date (YYYY-MM-DD)`);
    if (vText === '') throw new DataError(`${at}: the value of ${dText} is missing`);
    const v = Number(vText);
    if (!Number.isFinite(v)) throw new DataError(`${at}: the value '${vText}' of ${dText} is not a number`);
    if (r === 1) start = day;
    else if (day === prev) throw new DataError(`${at}: the date ${dText} appears twice`);
    else if (day < prev) throw new DataError(`${at}: the date ${dText} comes before the previous row's ${isoDate(prev)}; the rows must be sorted by date`);
    else if (day > prev + 1)
      throw new DataError(`${at}: ${day - prev - 1} day${day - prev - 1 === 1 ? '' : 's'} missing between ${isoDate(prev)} and ${dText}; a daily series must have every day`);
    prev = day;
    values[r - 1] = v;
  }
  return { name, start, values };
}

/** The series as CSV text (`date,value` lines after a header), e.g. to hand it to another tool. */
export function seriesCsv(series: DailySeries, header = 'date,value'): string {
  const lines = [header];
  series.values.forEach((v, i) => lines.push(`${isoDate(series.start + i)},${v}`));
  return lines.join('\n') + '\n';
}
