/**
 * The series a forecast run names: `us-births` (the built-in series) or a CSV file with a date and a
 * value column, read and checked (series.ts), with the SHA-256 of the file so that a checkpoint can
 * refuse a changed file. Node only.
 *
 * @example
 *   const { series, hash } = loadSeries({ data: 'births.csv', date: 'date', value: 'births' });
 */
import { DataError } from './data-error.js';
import { readTextFile, textHash } from './corpus.js';
import { parseSeriesCsv } from './series-csv.js';
import type { DailySeries } from './series.js';
import { US_BIRTHS, usBirths } from './us-births.js';

export interface SeriesSource {
  /** `us-births` or a CSV file's path. */
  data: string;
  /** The CSV's columns (ignored for the built-in series). */
  date: string;
  value: string;
}

export function loadSeries({ data, date, value }: SeriesSource): { series: DailySeries; hash: string } {
  if (data === US_BIRTHS) return { series: usBirths(), hash: '' };
  if (!date || !value) throw new DataError(`data file '${data}' needs --date COLUMN and --value COLUMN (the CSV's date and value columns)`);
  const text = readTextFile(data);
  return { series: parseSeriesCsv(text, { name: data, date, value }), hash: textHash(text) };
}
