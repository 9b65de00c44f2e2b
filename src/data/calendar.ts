/**
 * Calendar covariates of a day, computed from its date (no lookup tables): the day of the week, the
 * day of the year, and the US federal holidays by the rules in force that year.
 *
 * Holidays (5 U.S.C. 6103 and the Uniform Monday Holiday Act, in force from 1971):
 *   New Year's Day       Jan 1
 *   Birthday of MLK      3rd Monday of January, from 1986
 *   Washington's Bday    Feb 22 until 1970, then the 3rd Monday of February
 *   Memorial Day         May 30 until 1970, then the last Monday of May
 *   Independence Day     Jul 4
 *   Labor Day            1st Monday of September
 *   Columbus Day         Oct 12 until 1970, then the 2nd Monday of October
 *   Veterans Day         Nov 11, but the 4th Monday of October from 1971 to 1977
 *   Thanksgiving         4th Thursday of November
 *   Christmas Day        Dec 25
 * A fixed-date holiday on a Saturday is also observed the Friday before, on a Sunday the Monday after.
 *
 * The covariate vector of a day (COVARIATES = 20 numbers):
 *   [0..5]   day of the week, Tuesday to Sunday one-hot, Monday all zero (dummy coding: with a
 *            model's intercept a full one-hot would be collinear, and least squares not unique)
 *   [6..9]   sin, cos of 2πk·(day of year - 1)/365.25 for k = 1, 2
 *   [10..19] the holiday of HOLIDAYS it is (or is observed on), one-hot; all zero on other days
 *
 * @example
 *   dayOfWeek(dayNumber(1988, 12, 31));    // 5 (Saturday; Monday = 0)
 *   holidayOf(dayNumber(1988, 11, 24));    // 'thanksgiving'
 */
import { calendarDate, dayNumber } from './series.js';

export const HOLIDAYS = ['new-year', 'mlk', 'washington', 'memorial', 'independence', 'labor', 'columbus', 'veterans', 'thanksgiving', 'christmas'] as const;
export type Holiday = (typeof HOLIDAYS)[number];

/** Numbers per day in `calendarCovariates`. */
export const COVARIATES = 6 + 4 + HOLIDAYS.length;

/** Monday = 0 ... Sunday = 6 (1970-01-01 was a Thursday). */
export function dayOfWeek(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

/** 1 on January 1st ... 365 or 366. */
export function dayOfYear(day: number): number {
  return day - dayNumber(calendarDate(day).year, 1, 1) + 1;
}

/** The day of the `n`-th (1-based) weekday `dow` (Monday = 0) of a month; n = -1 for the last one. */
export function nthWeekday(year: number, month: number, dow: number, n: number): number {
  if (n > 0) {
    const first = dayNumber(year, month, 1);
    return first + ((dow - dayOfWeek(first) + 7) % 7) + 7 * (n - 1);
  }
  const last = dayNumber(year, month + 1, 0);
  return last - ((dayOfWeek(last) - dow + 7) % 7);
}

/** The federal holidays of a year by rule, as day numbers (the holiday's own date, before observance). */
export function federalHolidays(year: number): Map<Holiday, number> {
  const MON = 0;
  const THU = 3;
  const monday = year >= 1971;
  const h = new Map<Holiday, number>();
  h.set('new-year', dayNumber(year, 1, 1));
  if (year >= 1986) h.set('mlk', nthWeekday(year, 1, MON, 3));
  h.set('washington', monday ? nthWeekday(year, 2, MON, 3) : dayNumber(year, 2, 22));
  h.set('memorial', monday ? nthWeekday(year, 5, MON, -1) : dayNumber(year, 5, 30));
  h.set('independence', dayNumber(year, 7, 4));
  h.set('labor', nthWeekday(year, 9, MON, 1));
  h.set('columbus', monday ? nthWeekday(year, 10, MON, 2) : dayNumber(year, 10, 12));
  h.set('veterans', year >= 1971 && year <= 1977 ? nthWeekday(year, 10, MON, 4) : dayNumber(year, 11, 11));
  h.set('thanksgiving', nthWeekday(year, 11, THU, 4));
  h.set('christmas', dayNumber(year, 12, 25));
  return h;
}

const FIXED_DATE: ReadonlySet<Holiday> = new Set(['new-year', 'independence', 'veterans', 'christmas']);
const byYear = new Map<number, Map<number, Holiday>>();

/** The holiday that falls on `day` or is observed on it, or null. */
export function holidayOf(day: number): Holiday | null {
  const { year } = calendarDate(day);
  let days = byYear.get(year);
  if (!days) {
    days = new Map();
    // a year's days can hold the next year's New Year observed on Dec 31
    for (const y of [year, year + 1])
      for (const [name, d] of federalHolidays(y)) {
        days.set(d, name);
        const dow = dayOfWeek(d);
        if (FIXED_DATE.has(name) && dow === 5) days.set(d - 1, name);
        if (FIXED_DATE.has(name) && dow === 6) days.set(d + 1, name);
      }
    byYear.set(year, days);
  }
  return days.get(day) ?? null;
}

/** The covariates of `count` consecutive days from `start`: (count, COVARIATES) row-major. */
export function calendarCovariates(start: number, count: number): Float32Array {
  const out = new Float32Array(count * COVARIATES);
  for (let i = 0; i < count; i++) {
    const day = start + i;
    const row = i * COVARIATES;
    const dow = dayOfWeek(day);
    if (dow > 0) out[row + dow - 1] = 1;
    const phase = (2 * Math.PI * (dayOfYear(day) - 1)) / 365.25;
    out[row + 6] = Math.sin(phase);
    out[row + 7] = Math.cos(phase);
    out[row + 8] = Math.sin(2 * phase);
    out[row + 9] = Math.cos(2 * phase);
    const h = holidayOf(day);
    if (h !== null) out[row + 10 + HOLIDAYS.indexOf(h)] = 1;
  }
  return out;
}

/** The names of the COVARIATES numbers of a day, in `calendarCovariates` order. */
export const COVARIATE_NAMES: readonly string[] = [
  ...['tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'],
  ...['sin_year', 'cos_year', 'sin_half_year', 'cos_half_year'],
  ...HOLIDAYS,
];
