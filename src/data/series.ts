/**
 * Daily time series: one value per calendar day, consecutive, no gaps, and ISO dates. Browser-safe;
 * reading one from CSV text is series-csv.ts's (`parseSeriesCsv`, every refusal a DataError of one
 * sentence naming the line), the file series-file.ts's, the built-in series us-births.ts's.
 *
 * Days are counted as integers since 1970-01-01 (UTC), so "the next day" is `day + 1`.
 *
 * @example
 *   const s = parseSeriesCsv('date,births\n2020-01-01,10\n2020-01-02,12\n', { name: 'b.csv', date: 'date', value: 'births' });
 *   s.values;        // Float64Array [10, 12]
 *   isoDate(s.start + 1); // '2020-01-02'
 */

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

/** The series as CSV text (`date,value` lines after a header), e.g. to hand it to another tool. */
export function seriesCsv(series: DailySeries, header = 'date,value'): string {
  const lines = [header];
  series.values.forEach((v, i) => lines.push(`${isoDate(series.start + i)},${v}`));
  return lines.join('\n') + '\n';
}
