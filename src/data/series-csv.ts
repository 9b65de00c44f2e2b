/**
 * Daily series from CSV text, with csv-parse (Node: its build for Node uses Buffer, so this file is
 * exported from the Node entry only; the rest of series.ts is browser-safe).
 */
import { parse } from 'csv-parse/sync';
import { DataError } from './data-error.js';
import { isoDate, parseIsoDate, type DailySeries, type SeriesColumns } from './series.js';

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
