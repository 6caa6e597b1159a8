//! French working days: the deadline a training centre has to answer a pre-registration
//! ("nombre de jours ouvrés, jours fériés français décomptés") and the opening days of the
//! information line. Plumbing: it knows no capability.
//!
//! A working day is a Monday to Friday that is not one of the 11 national public holidays
//! (Alsace-Moselle and overseas holidays are not taken into account). Everything here is pure
//! and allocation-free in its loops: holidays are computed once per calendar year crossed.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Number of French national public holidays in a year.
const HOLIDAY_COUNT: usize = 11;

/// Easter Sunday of `year` in the Gregorian calendar (anonymous Gregorian algorithm, also
/// known as Meeus/Jones/Butcher).
///
/// # Panics
///
/// Panics if the date is outside the range supported by [`NaiveDate`].
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter Sunday out of range")
}

/// The 11 French national public holidays of `year`, with their French names, in an array in
/// their usual order (not necessarily sorted: Ascension may fall before 1 May or on the same
/// day as 1 or 8 May).
fn holiday_table(year: i32) -> [(NaiveDate, &'static str); HOLIDAY_COUNT] {
    let ymd = |month, day| NaiveDate::from_ymd_opt(year, month, day).expect("date out of range");
    let easter = easter_sunday(year);
    let after_easter = |days| {
        easter
            .checked_add_days(Days::new(days))
            .expect("date out of range")
    };
    [
        (ymd(1, 1), "Jour de l’an"),
        (after_easter(1), "Lundi de Pâques"),
        (ymd(5, 1), "Fête du Travail"),
        (ymd(5, 8), "Victoire 1945"),
        (after_easter(39), "Ascension"),
        (after_easter(50), "Lundi de Pentecôte"),
        (ymd(7, 14), "Fête nationale"),
        (ymd(8, 15), "Assomption"),
        (ymd(11, 1), "Toussaint"),
        (ymd(11, 11), "Armistice 1918"),
        (ymd(12, 25), "Noël"),
    ]
}

/// The dates of the public holidays of `year`, sorted. Two entries may be equal (e.g. in 2008
/// Ascension fell on 1 May).
fn holiday_dates(year: i32) -> [NaiveDate; HOLIDAY_COUNT] {
    let mut dates = holiday_table(year).map(|(date, _)| date);
    dates.sort_unstable();
    dates
}

/// The 11 French national public holidays of `year` with their French names, sorted by date.
/// When two holidays fall on the same day (Ascension on 1 or 8 May), both are listed, in their
/// usual order.
pub fn public_holidays(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let mut holidays = holiday_table(year).to_vec();
    // Stable sort: holidays on the same day keep their usual order.
    holidays.sort_by_key(|&(date, _)| date);
    holidays
}

/// Whether `date` is a French national public holiday.
pub fn is_public_holiday(date: NaiveDate) -> bool {
    holiday_dates(date.year()).contains(&date)
}

/// Whether `date` is a working day: Monday to Friday and not a public holiday.
pub fn is_working_day(date: NaiveDate) -> bool {
    !is_weekend(date) && !is_public_holiday(date)
}

/// The date that is `days` working days after `start`. `start` itself is never counted, so the
/// result is the `days`-th working day strictly after `start`; `days == 0` returns `start`
/// unchanged (even if it is not a working day).
///
/// # Panics
///
/// Panics if the result is outside the range supported by [`NaiveDate`].
pub fn add_working_days(start: NaiveDate, days: u32) -> NaiveDate {
    let mut remaining = i64::from(days);
    let mut current = start;
    // Jump whole weeks while far from the target, keeping at least one day to count one by
    // one so that the result always lands on a working day.
    while remaining > 5 {
        let weeks = (remaining - 1) / 5;
        let next = current
            .checked_add_days(Days::new(weeks as u64 * 7))
            .expect("date out of range");
        remaining -= count_working_days(current, next);
        current = next;
    }
    let mut holidays = HolidayCache::new(current.year());
    while remaining > 0 {
        current = current.succ_opt().expect("date out of range");
        if holidays.is_working_day(current) {
            remaining -= 1;
        }
    }
    current
}

/// The number of working days `d` with `from < d <= to`. If `to` is before `from`, the result
/// is negative: `working_days_between(a, b) == -working_days_between(b, a)`.
pub fn working_days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    if to < from {
        -count_working_days(to, from)
    } else {
        count_working_days(from, to)
    }
}

/// Number of working days in `(from, to]`, for `from <= to`, without walking day by day:
/// weekdays are counted arithmetically, then public holidays falling on a weekday in the
/// interval are subtracted.
fn count_working_days(from: NaiveDate, to: NaiveDate) -> i64 {
    debug_assert!(from <= to);
    let span = (to - from).num_days();
    let full_weeks = span / 7;
    let mut count = full_weeks * 5;
    let mut day = from
        .checked_add_days(Days::new(full_weeks as u64 * 7))
        .expect("date out of range");
    for _ in 0..span % 7 {
        day = day.succ_opt().expect("date out of range");
        if !is_weekend(day) {
            count += 1;
        }
    }
    for year in from.year()..=to.year() {
        let mut previous = None;
        for date in holiday_dates(year) {
            // Sorted dates: skip a holiday sharing its day with the previous one.
            if previous == Some(date) {
                continue;
            }
            previous = Some(date);
            if from < date && date <= to && !is_weekend(date) {
                count -= 1;
            }
        }
    }
    count
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The public holidays of one year, recomputed only when a date of another year is asked.
struct HolidayCache {
    year: i32,
    dates: [NaiveDate; HOLIDAY_COUNT],
}

impl HolidayCache {
    fn new(year: i32) -> Self {
        Self {
            year,
            dates: holiday_dates(year),
        }
    }

    fn is_working_day(&mut self, date: NaiveDate) -> bool {
        if is_weekend(date) {
            return false;
        }
        if date.year() != self.year {
            *self = Self::new(date.year());
        }
        !self.dates.contains(&date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    /// Day-by-day reference implementation.
    fn naive_between(from: NaiveDate, to: NaiveDate) -> i64 {
        let (low, high, sign) = if to < from {
            (to, from, -1)
        } else {
            (from, to, 1)
        };
        let count = low
            .iter_days()
            .skip(1)
            .take_while(|d| *d <= high)
            .filter(|d| is_working_day(*d))
            .count() as i64;
        sign * count
    }

    /// Day-by-day reference implementation.
    fn naive_add(start: NaiveDate, days: u32) -> NaiveDate {
        let mut current = start;
        let mut remaining = days;
        while remaining > 0 {
            current = current.succ_opt().unwrap();
            if is_working_day(current) {
                remaining -= 1;
            }
        }
        current
    }

    #[test]
    fn easter_dates() {
        assert_eq!(easter_sunday(2024), date(2024, 3, 31));
        assert_eq!(easter_sunday(2025), date(2025, 4, 20));
        assert_eq!(easter_sunday(2026), date(2026, 4, 5));
        assert_eq!(easter_sunday(2027), date(2027, 3, 28));
        assert_eq!(easter_sunday(2038), date(2038, 4, 25));
        // Extremes of the Gregorian range of Easter.
        assert_eq!(easter_sunday(1818), date(1818, 3, 22));
        assert_eq!(easter_sunday(2285), date(2285, 3, 22));
        assert_eq!(easter_sunday(1943), date(1943, 4, 25));
        assert_eq!(easter_sunday(2008), date(2008, 3, 23));
    }

    #[test]
    fn easter_is_always_a_sunday_in_range() {
        for year in 1583..=3000 {
            let easter = easter_sunday(year);
            assert_eq!(easter.weekday(), Weekday::Sun, "{year}");
            assert!(
                easter >= date(year, 3, 22) && easter <= date(year, 4, 25),
                "{year}"
            );
        }
    }

    #[test]
    fn holidays_2026() {
        let holidays = public_holidays(2026);
        assert_eq!(
            holidays,
            vec![
                (date(2026, 1, 1), "Jour de l’an"),
                (date(2026, 4, 6), "Lundi de Pâques"),
                (date(2026, 5, 1), "Fête du Travail"),
                (date(2026, 5, 8), "Victoire 1945"),
                (date(2026, 5, 14), "Ascension"),
                (date(2026, 5, 25), "Lundi de Pentecôte"),
                (date(2026, 7, 14), "Fête nationale"),
                (date(2026, 8, 15), "Assomption"),
                (date(2026, 11, 1), "Toussaint"),
                (date(2026, 11, 11), "Armistice 1918"),
                (date(2026, 12, 25), "Noël"),
            ]
        );
        assert!(is_public_holiday(date(2026, 5, 14)));
        assert!(is_public_holiday(date(2026, 5, 25)));
        assert!(!is_public_holiday(date(2026, 5, 15)));
        assert_eq!(date(2026, 5, 14).weekday(), Weekday::Thu);
        assert_eq!(date(2026, 5, 25).weekday(), Weekday::Mon);
    }

    #[test]
    fn holidays_are_sorted_even_when_ascension_is_early() {
        // 2008: Ascension on 1 May; 2285: Ascension on 30 April.
        let h2008 = public_holidays(2008);
        assert_eq!(h2008[2], (date(2008, 5, 1), "Fête du Travail"));
        assert_eq!(h2008[3], (date(2008, 5, 1), "Ascension"));
        let h2285 = public_holidays(2285);
        assert_eq!(h2285[2], (date(2285, 4, 30), "Ascension"));
        for year in 1900..=2300 {
            let holidays = public_holidays(year);
            assert_eq!(holidays.len(), 11);
            assert!(holidays.windows(2).all(|w| w[0].0 <= w[1].0), "{year}");
        }
    }

    #[test]
    fn working_days() {
        assert!(is_working_day(date(2026, 5, 15))); // Friday after Ascension
        assert!(!is_working_day(date(2026, 5, 14))); // Ascension
        assert!(!is_working_day(date(2026, 5, 16))); // Saturday
        assert!(!is_working_day(date(2026, 5, 17))); // Sunday
        assert!(!is_working_day(date(2026, 12, 25))); // Christmas, Friday
    }

    #[test]
    fn add_zero_returns_start() {
        assert_eq!(add_working_days(date(2026, 3, 7), 0), date(2026, 3, 7)); // Saturday
        assert_eq!(add_working_days(date(2026, 3, 9), 0), date(2026, 3, 9));
    }

    #[test]
    fn add_across_weekend() {
        // Friday 6 March 2026.
        assert_eq!(add_working_days(date(2026, 3, 6), 1), date(2026, 3, 9));
        assert_eq!(add_working_days(date(2026, 3, 6), 5), date(2026, 3, 13));
        assert_eq!(add_working_days(date(2026, 3, 6), 6), date(2026, 3, 16));
        // From a Saturday or a Sunday, the next Monday is the first working day.
        assert_eq!(add_working_days(date(2026, 3, 7), 1), date(2026, 3, 9));
        assert_eq!(add_working_days(date(2026, 3, 8), 1), date(2026, 3, 9));
        // Whole weeks from a Saturday land on a Friday, not on the next Saturday.
        assert_eq!(add_working_days(date(2026, 3, 7), 5), date(2026, 3, 13));
        assert_eq!(add_working_days(date(2026, 3, 7), 10), date(2026, 3, 20));
    }

    #[test]
    fn add_across_christmas_and_new_year() {
        // Friday 18 December 2026 + 5: 21, 22, 23, 24, (25 Christmas), 28.
        assert_eq!(add_working_days(date(2026, 12, 18), 5), date(2026, 12, 28));
        assert_eq!(add_working_days(date(2026, 12, 24), 1), date(2026, 12, 28));
        // 23 Dec + 5: 24, 28, 29, 30, 31; + 6 skips Friday 1 January 2027 and the weekend.
        assert_eq!(add_working_days(date(2026, 12, 23), 5), date(2026, 12, 31));
        assert_eq!(add_working_days(date(2026, 12, 23), 6), date(2027, 1, 4));
        assert_eq!(add_working_days(date(2026, 12, 31), 1), date(2027, 1, 4));
        // Friday 18 December 2026 + 10: 21, 22, 23, 24, 28, 29, 30, 31, 4, 5.
        assert_eq!(add_working_days(date(2026, 12, 18), 10), date(2027, 1, 5));
    }

    #[test]
    fn add_across_may_2026() {
        // 1 and 8 May 2026 are Fridays.
        assert_eq!(add_working_days(date(2026, 4, 30), 1), date(2026, 5, 4));
        // 4, 5, 6, 7, (8), 11.
        assert_eq!(add_working_days(date(2026, 4, 30), 5), date(2026, 5, 11));
        // 30 April, (1), 4, 5, 6, 7, (8), 11, 12, 13, (14 Ascension), 15, 18.
        assert_eq!(add_working_days(date(2026, 4, 29), 9), date(2026, 5, 15));
        assert_eq!(add_working_days(date(2026, 4, 29), 10), date(2026, 5, 18));
        // Monday 4 May + 5: 5, 6, 7, 11, 12.
        assert_eq!(add_working_days(date(2026, 5, 4), 5), date(2026, 5, 12));
    }

    #[test]
    fn add_across_ascension_bridge() {
        // Ascension Thursday 14 May 2026; the Friday "bridge" is a working day.
        assert_eq!(add_working_days(date(2026, 5, 13), 1), date(2026, 5, 15));
        assert_eq!(add_working_days(date(2026, 5, 13), 2), date(2026, 5, 18));
        // 18, 19, 20, 21, 22, (25 Pentecost Monday), 26.
        assert_eq!(add_working_days(date(2026, 5, 15), 6), date(2026, 5, 26));
    }

    #[test]
    fn between_examples() {
        assert_eq!(
            working_days_between(date(2026, 12, 18), date(2026, 12, 28)),
            5
        );
        assert_eq!(
            working_days_between(date(2026, 12, 28), date(2026, 12, 18)),
            -5
        );
        assert_eq!(
            working_days_between(date(2026, 5, 13), date(2026, 5, 15)),
            1
        );
        assert_eq!(
            working_days_between(date(2026, 5, 14), date(2026, 5, 14)),
            0
        );
        // A Saturday to the next Sunday: nothing.
        assert_eq!(working_days_between(date(2026, 3, 7), date(2026, 3, 8)), 0);
        // 2026: 261 weekdays, 9 holidays on a weekday (15 August Saturday, 1 November Sunday).
        assert_eq!(
            working_days_between(date(2025, 12, 31), date(2026, 12, 31)),
            252
        );
        // 2008: Ascension and 1 May on the same Thursday are counted once.
        assert_eq!(working_days_between(date(2008, 4, 30), date(2008, 5, 2)), 1);
    }

    #[test]
    fn add_matches_reference() {
        let mut start = date(2025, 12, 1);
        while start < date(2027, 2, 1) {
            for n in [0, 1, 2, 4, 5, 6, 9, 10, 11, 15, 20, 30, 45, 60, 100, 300] {
                assert_eq!(
                    add_working_days(start, n),
                    naive_add(start, n),
                    "{start} + {n}"
                );
            }
            start = start.succ_opt().unwrap();
        }
        // Around an Ascension on 1 May and on 8 May.
        for (year, month, day) in [(2008, 4, 1), (1997, 4, 1), (2285, 4, 1)] {
            let mut start = date(year, month, day);
            for _ in 0..70 {
                for n in 0..=40 {
                    assert_eq!(
                        add_working_days(start, n),
                        naive_add(start, n),
                        "{start} + {n}"
                    );
                }
                start = start.succ_opt().unwrap();
            }
        }
    }

    #[test]
    fn between_matches_reference() {
        let base = date(2007, 11, 20);
        for offset in (0..1200).step_by(7) {
            let from = base + Days::new(offset);
            for span in [0, 1, 3, 6, 7, 8, 13, 29, 45, 200, 400, 800] {
                let to = from + Days::new(span);
                assert_eq!(working_days_between(from, to), naive_between(from, to));
                assert_eq!(working_days_between(to, from), naive_between(to, from));
            }
        }
    }

    #[test]
    fn between_is_consistent_with_add() {
        for year in [2026, 2008] {
            let mut start = date(year, 1, 1);
            while start.year() == year {
                for n in 0..=70 {
                    let end = add_working_days(start, n);
                    assert_eq!(
                        working_days_between(start, end),
                        i64::from(n),
                        "{start} + {n}"
                    );
                    assert_eq!(working_days_between(end, start), -i64::from(n));
                    if n > 0 {
                        assert!(is_working_day(end), "{start} + {n}");
                    }
                }
                start = start.succ_opt().unwrap();
            }
        }
    }

    #[test]
    fn large_spans() {
        let start = date(2000, 1, 1);
        let end = add_working_days(start, 100_000);
        assert_eq!(working_days_between(start, end), 100_000);
        assert!(is_working_day(end));
    }
}
