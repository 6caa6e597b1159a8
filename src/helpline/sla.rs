//! The promise of an answer within 2 working days: a request must be answered by the end of
//! the 2nd working day after the day it arrived (closing time of the line, Europe/Paris;
//! working days are Monday to Friday, French public holidays excluded, see
//! [`crate::calendar`]). A request of Monday at 10:00 is due on Wednesday at 17:00, one of
//! Friday on Tuesday evening.
//!
//! Time is measured in business hours (opening hours, 9:00–17:00 by default), so that the
//! clock can pause while the line waits for the requester: a pause pushes the deadline back
//! by the opening time it lasted. Everything here is pure: times are UTC `NaiveDateTime`,
//! "now" is a parameter.

use chrono::{Days, Duration, NaiveDate, NaiveDateTime};

use crate::calendar;
use crate::clock::{paris_to_utc, utc_to_paris};

/// Working days after the day a request arrived by whose end it is answered.
pub const TARGET_WORKING_DAYS: u32 = 2;
/// The end of this working day after the request's day, whoever holds it is reminded (one
/// working day is left).
pub const REMINDER_WORKING_DAYS: u32 = 1;

/// Daily opening hours of the line, in Paris local time, on working days: the configuration's
/// [`OpeningHours`](crate::config::OpeningHours), on which this module counts business time.
pub use crate::config::OpeningHours as BusinessHours;

impl BusinessHours {
    /// The opening window of a local day, if it is a working day.
    fn window(&self, day: NaiveDate) -> Option<(NaiveDateTime, NaiveDateTime)> {
        calendar::is_working_day(day).then(|| (day.and_time(self.open), day.and_time(self.close)))
    }

    /// The closing time of the `days`-th working day after the (Paris) day of `from`.
    pub fn end_of_working_day_after(&self, from: NaiveDateTime, days: u32) -> NaiveDateTime {
        let day = calendar::add_working_days(utc_to_paris(from).date(), days);
        paris_to_utc(day.and_time(self.close))
    }

    /// Business seconds a request received at `started` may wait: up to the end of the 2nd
    /// working day after its day.
    pub fn target_seconds(&self, started: NaiveDateTime) -> i64 {
        self.seconds_between(
            started,
            self.end_of_working_day_after(started, TARGET_WORKING_DAYS),
        )
    }

    /// Business seconds after which whoever holds a request received at `started` is
    /// reminded: the end of the working day after its day.
    pub fn reminder_seconds(&self, started: NaiveDateTime) -> i64 {
        self.seconds_between(
            started,
            self.end_of_working_day_after(started, REMINDER_WORKING_DAYS),
        )
    }

    /// Business seconds between two instants (0 when `to` is not after `from`).
    pub fn seconds_between(&self, from: NaiveDateTime, to: NaiveDateTime) -> i64 {
        if to <= from {
            return 0;
        }
        let (from, to) = (utc_to_paris(from), utc_to_paris(to));
        let mut total = 0;
        let mut day = from.date();
        while day <= to.date() {
            if let Some((open, close)) = self.window(day) {
                let start = open.max(from);
                let end = close.min(to);
                if end > start {
                    total += (end - start).num_seconds();
                }
            }
            day = day + Days::new(1);
        }
        total
    }

    /// The instant at which `seconds` business seconds have passed since `from`.
    pub fn add_seconds(&self, from: NaiveDateTime, seconds: i64) -> NaiveDateTime {
        let local = utc_to_paris(from);
        let mut remaining = seconds.max(0);
        let mut day = local.date();
        // Ten years of days at most: the loop always ends.
        for _ in 0..3660 {
            if let Some((open, close)) = self.window(day) {
                let start = open.max(local);
                if close > start {
                    let available = (close - start).num_seconds();
                    if remaining <= available {
                        return paris_to_utc(start + Duration::seconds(remaining));
                    }
                    remaining -= available;
                }
            }
            day = day + Days::new(1);
        }
        paris_to_utc(local + Duration::seconds(remaining))
    }
}

/// Where a request's clock stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    /// Business seconds counted so far, pauses excluded.
    pub elapsed: i64,
    /// Business seconds the request may wait (to the end of the 2nd working day after it).
    pub target: i64,
    /// Business seconds after which its holder is reminded.
    pub reminder: i64,
    /// When the 2 working days run out (pauses added); none while paused.
    pub due_at: Option<NaiveDateTime>,
    pub paused: bool,
}

impl Clock {
    /// The 2 working days ran out without an answer.
    pub fn overdue(&self) -> bool {
        self.elapsed >= self.target
    }

    /// One working day is left: time to remind whoever holds the request.
    pub fn reminder_due(&self) -> bool {
        self.elapsed >= self.reminder
    }
}

/// The clock of a request started at `started`, having spent `paused_seconds` business
/// seconds in closed pauses, paused since `paused_since` if it waits for the requester now.
pub fn clock(
    hours: &BusinessHours,
    started: NaiveDateTime,
    paused_seconds: i64,
    paused_since: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Clock {
    let target = hours.target_seconds(started);
    let reminder = hours.reminder_seconds(started);
    match paused_since {
        Some(since) => Clock {
            elapsed: (hours.seconds_between(started, since.min(now)) - paused_seconds).max(0),
            target,
            reminder,
            due_at: None,
            paused: true,
        },
        None => Clock {
            elapsed: (hours.seconds_between(started, now) - paused_seconds).max(0),
            target,
            reminder,
            due_at: Some(hours.add_seconds(started, target + paused_seconds)),
            paused: false,
        },
    }
}

/// "12 h 30", for people.
pub fn hours_fr(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    let (h, m) = (minutes / 60, minutes % 60);
    if m == 0 {
        format!("{h} h")
    } else {
        format!("{h} h {m:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Paris local time, as UTC.
    fn paris(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        paris_to_utc(
            NaiveDate::from_ymd_opt(y, mo, d)
                .unwrap()
                .and_hms_opt(h, mi, 0)
                .unwrap(),
        )
    }

    #[test]
    fn paris_time_follows_summer_time() {
        let winter = paris(2026, 1, 12, 9, 0);
        assert_eq!(winter.format("%H:%M").to_string(), "08:00");
        let summer = paris(2026, 7, 13, 9, 0);
        assert_eq!(summer.format("%H:%M").to_string(), "07:00");
        assert_eq!(utc_to_paris(summer), summer + Duration::hours(2));
    }

    #[test]
    fn hours_parse() {
        let h: BusinessHours = "08:30-18:00".parse().unwrap();
        assert_eq!(h.to_string(), "08:30-18:00");
        assert!("18:00-08:00".parse::<BusinessHours>().is_err());
        assert!("9h-17h".parse::<BusinessHours>().is_err());
        assert_eq!(BusinessHours::default().to_string(), "09:00-17:00");
    }

    #[test]
    fn within_one_day() {
        let h = BusinessHours::default();
        // Monday 9 March 2026, 10:00 → 15:30.
        assert_eq!(
            h.seconds_between(paris(2026, 3, 9, 10, 0), paris(2026, 3, 9, 15, 30)),
            5 * 3600 + 1800
        );
        // Before opening and after closing count nothing.
        assert_eq!(
            h.seconds_between(paris(2026, 3, 9, 6, 0), paris(2026, 3, 9, 20, 0)),
            8 * 3600
        );
        assert_eq!(
            h.seconds_between(paris(2026, 3, 9, 18, 0), paris(2026, 3, 10, 8, 0)),
            0
        );
        // Backwards: nothing.
        assert_eq!(
            h.seconds_between(paris(2026, 3, 9, 15, 0), paris(2026, 3, 9, 10, 0)),
            0
        );
    }

    #[test]
    fn weekend_counts_nothing() {
        let h = BusinessHours::default();
        // Friday 6 March 2026 16:00 → Monday 9 March 10:00: 1 h + 1 h.
        assert_eq!(
            h.seconds_between(paris(2026, 3, 6, 16, 0), paris(2026, 3, 9, 10, 0)),
            2 * 3600
        );
        // A request of Friday 16:00 is due at the end of Tuesday (Monday, then Tuesday).
        let friday = paris(2026, 3, 6, 16, 0);
        assert_eq!(
            h.add_seconds(friday, h.target_seconds(friday)),
            paris(2026, 3, 10, 17, 0)
        );
        assert_eq!(h.target_seconds(friday), (1 + 8 + 8) * 3600);
        // A request left on Saturday starts counting on Monday at opening.
        assert_eq!(
            h.add_seconds(paris(2026, 3, 7, 11, 0), 3600),
            paris(2026, 3, 9, 10, 0)
        );
        assert_eq!(
            h.add_seconds(paris(2026, 3, 7, 11, 0), 0),
            paris(2026, 3, 9, 9, 0)
        );
    }

    #[test]
    fn french_holidays_count_nothing() {
        let h = BusinessHours::default();
        // Wednesday 13 May 2026 16:00, Ascension on Thursday 14: the working days after are
        // Friday 15 and Monday 18, due at the end of Monday.
        let before_ascension = paris(2026, 5, 13, 16, 0);
        assert_eq!(
            h.end_of_working_day_after(before_ascension, TARGET_WORKING_DAYS),
            paris(2026, 5, 18, 17, 0)
        );
        assert_eq!(
            h.add_seconds(before_ascension, h.target_seconds(before_ascension)),
            paris(2026, 5, 18, 17, 0)
        );
        // Christmas 2026 is a Friday: a request of Thursday 24 December is due on Tuesday 29.
        assert_eq!(
            h.end_of_working_day_after(paris(2026, 12, 24, 11, 0), TARGET_WORKING_DAYS),
            paris(2026, 12, 29, 17, 0)
        );
        assert_eq!(
            h.seconds_between(paris(2026, 5, 13, 16, 0), paris(2026, 5, 15, 10, 0)),
            2 * 3600
        );
        // Pentecost Monday 25 May: 22 May 16:00 → 26 May 10:00 is 1 h + 1 h.
        assert_eq!(
            h.seconds_between(paris(2026, 5, 22, 16, 0), paris(2026, 5, 26, 10, 0)),
            2 * 3600
        );
        // Christmas 2026 is a Friday, 1 January 2027 too.
        assert_eq!(
            h.seconds_between(paris(2026, 12, 24, 9, 0), paris(2027, 1, 4, 9, 0)),
            (1 + 4) * 8 * 3600
        );
    }

    #[test]
    fn add_and_between_agree() {
        let h = BusinessHours::default();
        let mut start = paris(2026, 3, 20, 7, 13);
        for step in 0..200 {
            for seconds in [1, 3600, 8 * 3600, 16 * 3600, 100 * 3600 + 17] {
                let end = h.add_seconds(start, seconds);
                assert_eq!(
                    h.seconds_between(start, end),
                    seconds,
                    "{start} + {seconds}"
                );
            }
            start += Duration::minutes(97 + step);
        }
    }

    #[test]
    fn two_working_days_end_with_the_second_working_day_after_the_request() {
        let h = BusinessHours::default();
        // Monday at 10:00, before opening, after closing: due on Wednesday at closing.
        for at in [(10, 0), (7, 30), (20, 0)] {
            let monday = paris(2026, 3, 9, at.0, at.1);
            assert_eq!(
                h.end_of_working_day_after(monday, TARGET_WORKING_DAYS),
                paris(2026, 3, 11, 17, 0)
            );
        }
        // Saturday and Sunday: due on Tuesday evening.
        for day in [7, 8] {
            assert_eq!(
                h.end_of_working_day_after(paris(2026, 3, day, 11, 0), TARGET_WORKING_DAYS),
                paris(2026, 3, 10, 17, 0)
            );
        }
        // Never 48 opening hours (six working days): two working days.
        let monday = paris(2026, 3, 9, 10, 0);
        assert_eq!(h.target_seconds(monday), (7 + 8 + 8) * 3600);
        assert_eq!(h.reminder_seconds(monday), (7 + 8) * 3600);
    }

    #[test]
    fn the_clock_pauses_while_waiting_for_the_requester() {
        let h = BusinessHours::default();
        let received = paris(2026, 3, 9, 10, 0); // Monday
        // Not paused: Wednesday 11 at 12:00 → 7 + 8 + 3 = 18 h; due that Wednesday at 17:00,
        // the reminder already due (Tuesday evening passed).
        let now = paris(2026, 3, 11, 12, 0);
        let c = clock(&h, received, 0, None, now);
        assert_eq!(c.elapsed, 18 * 3600);
        assert_eq!(c.due_at, Some(paris(2026, 3, 11, 17, 0)));
        assert!(!c.overdue());
        assert!(c.reminder_due());
        assert!(!clock(&h, received, 0, None, paris(2026, 3, 10, 16, 59)).reminder_due());
        // Paused since Monday 14:00: the clock stopped at 4 h and shows no due time.
        let c = clock(&h, received, 0, Some(paris(2026, 3, 9, 14, 0)), now);
        assert_eq!(
            c,
            Clock {
                elapsed: 4 * 3600,
                target: 23 * 3600,
                reminder: 15 * 3600,
                due_at: None,
                paused: true
            }
        );
        // Resumed after 11 business hours of pause: the due time moves by 11 h, from
        // Wednesday 17:00 to Friday 12:00 (Thursday's 8 h, then 3 h).
        let c = clock(&h, received, 11 * 3600, None, now);
        assert_eq!(c.elapsed, 7 * 3600);
        assert_eq!(c.due_at, Some(paris(2026, 3, 13, 12, 0)));
        // Overdue at the end of the 2nd working day, not before.
        assert!(!clock(&h, received, 0, None, paris(2026, 3, 11, 16, 59)).overdue());
        assert!(clock(&h, received, 0, None, paris(2026, 3, 11, 17, 0)).overdue());
    }

    #[test]
    fn durations_for_people() {
        assert_eq!(hours_fr(48 * 3600), "48 h");
        assert_eq!(hours_fr(90 * 60), "1 h 30");
    }
}
