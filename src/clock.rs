//! Time: one [`Clock`] per application (held by the state and the database handle), and the
//! Europe/Paris conversions (`chrono-tz`, so daylight saving follows the official rules).
//!
//! Deep code asks [`now`] or [`today_paris`] without a parameter: they read the clock of the
//! current request or job (a task-local set by [`scope`]) or of the current blocking database
//! call (a thread-local set by [`enter`]), and fall back to the system clock. Tests move time
//! through the application's clock (`app.state.clock.set_paris(…)`), never by passing a "now".

use std::cell::RefCell;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Paris;

/// The application's clock: system time shifted by an offset that tests may move. Cheap to
/// clone; clones share the offset.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ns: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock (no offset).
    pub fn system() -> Self {
        Self::default()
    }

    /// Now, in UTC, as the database stores it.
    pub fn now(&self) -> NaiveDateTime {
        Utc::now().naive_utc() + Duration::nanoseconds(self.offset_ns.load(Ordering::Relaxed))
    }

    /// Today's date in Paris.
    pub fn today_paris(&self) -> NaiveDate {
        paris_day(self.now())
    }

    /// Moves time forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        self.offset_ns.fetch_add(nanos(by), Ordering::Relaxed);
    }

    /// Makes "now" this UTC instant (time keeps flowing from there).
    pub fn set(&self, at: NaiveDateTime) {
        let offset = at - Utc::now().naive_utc();
        self.offset_ns.store(nanos(offset), Ordering::Relaxed);
    }

    /// Makes "now" this Paris wall-clock time.
    pub fn set_paris(&self, local: NaiveDateTime) {
        self.set(paris_to_utc(local));
    }
}

/// Nanoseconds (exact, so that a clock just set reads no earlier than asked), within the
/// ±292 years an `i64` holds.
fn nanos(d: Duration) -> i64 {
    d.num_nanoseconds().unwrap_or(if d < Duration::zero() {
        i64::MIN
    } else {
        i64::MAX
    })
}

tokio::task_local! {
    static TASK_CLOCK: Clock;
}

thread_local! {
    static THREAD_CLOCK: RefCell<Option<Clock>> = const { RefCell::new(None) };
}

/// Runs a future (a request, a job) with `clock` as the current clock.
pub fn scope<F: Future>(clock: Clock, fut: F) -> impl Future<Output = F::Output> {
    TASK_CLOCK.scope(clock, fut)
}

/// Makes `clock` the current clock of this thread until the guard drops (blocking code).
#[must_use = "the clock is current only while the guard lives"]
pub fn enter(clock: Clock) -> Entered {
    let previous = THREAD_CLOCK.with(|c| c.replace(Some(clock)));
    Entered {
        previous,
        _not_send: PhantomData,
    }
}

/// Restores the previous current clock of the thread when dropped.
pub struct Entered {
    previous: Option<Clock>,
    _not_send: PhantomData<*const ()>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        THREAD_CLOCK.with(|c| *c.borrow_mut() = previous);
    }
}

/// The current clock: the thread's, else the task's, else the system clock.
pub fn current() -> Clock {
    THREAD_CLOCK
        .with(|c| c.borrow().clone())
        .or_else(|| TASK_CLOCK.try_with(Clock::clone).ok())
        .unwrap_or_default()
}

/// Now, in UTC, from the current clock.
pub fn now() -> NaiveDateTime {
    current().now()
}

/// Today's date in Paris, from the current clock.
pub fn today_paris() -> NaiveDate {
    current().today_paris()
}

/// UTC to Paris wall-clock time.
pub fn utc_to_paris(at: NaiveDateTime) -> NaiveDateTime {
    Paris.from_utc_datetime(&at).naive_local()
}

/// Paris wall-clock time to UTC. A time the autumn change repeats (02:00–03:00, last Sunday
/// of October) is taken at its first occurrence (summer time); a time the spring change skips
/// (02:00–03:00, last Sunday of March) is moved forward by the hour the clocks jump.
pub fn paris_to_utc(local: NaiveDateTime) -> NaiveDateTime {
    match Paris.from_local_datetime(&local) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.naive_utc(),
        LocalResult::None => {
            // The offset in force before the gap: the wall clock reads an hour earlier.
            let before = local - Duration::hours(1);
            Paris
                .from_local_datetime(&before)
                .earliest()
                .map(|at| at.naive_utc() + Duration::hours(1))
                .unwrap_or(before)
        }
    }
}

/// The Paris day of a UTC instant.
pub fn paris_day(at: NaiveDateTime) -> NaiveDate {
    utc_to_paris(at).date()
}

/// The UTC instant of midnight, Paris time, on a day (French days begin there).
pub fn paris_midnight_utc(day: NaiveDate) -> NaiveDateTime {
    paris_to_utc(day.and_hms_opt(0, 0, 0).expect("valid time"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn march_switch_to_summer_time() {
        // 29/03/2026 (last Sunday of March): 02:00 CET becomes 03:00 CEST at 01:00 UTC.
        assert_eq!(utc_to_paris(at("2026-03-29 00:59")), at("2026-03-29 01:59"));
        assert_eq!(utc_to_paris(at("2026-03-29 01:00")), at("2026-03-29 03:00"));
        assert_eq!(paris_to_utc(at("2026-03-28 12:00")), at("2026-03-28 11:00"));
        assert_eq!(paris_to_utc(at("2026-03-30 12:00")), at("2026-03-30 10:00"));
        // 02:30 does not exist that night: it reads as 03:30 summer time.
        assert_eq!(paris_to_utc(at("2026-03-29 02:30")), at("2026-03-29 01:30"));
        assert_eq!(
            paris_midnight_utc(NaiveDate::from_ymd_opt(2026, 3, 30).unwrap()),
            at("2026-03-29 22:00")
        );
        assert_eq!(
            paris_day(at("2026-03-29 22:30")),
            NaiveDate::from_ymd_opt(2026, 3, 30).unwrap()
        );
    }

    #[test]
    fn october_switch_to_winter_time() {
        // 25/10/2026 (last Sunday of October): 03:00 CEST becomes 02:00 CET at 01:00 UTC.
        assert_eq!(utc_to_paris(at("2026-10-25 00:59")), at("2026-10-25 02:59"));
        assert_eq!(utc_to_paris(at("2026-10-25 01:00")), at("2026-10-25 02:00"));
        assert_eq!(paris_to_utc(at("2026-10-24 12:00")), at("2026-10-24 10:00"));
        assert_eq!(paris_to_utc(at("2026-10-26 12:00")), at("2026-10-26 11:00"));
        // 02:30 happens twice: the first one (summer time) is taken.
        assert_eq!(paris_to_utc(at("2026-10-25 02:30")), at("2026-10-25 00:30"));
        assert_eq!(
            paris_midnight_utc(NaiveDate::from_ymd_opt(2026, 10, 26).unwrap()),
            at("2026-10-25 23:00")
        );
        assert_eq!(
            paris_day(at("2026-10-25 22:30")),
            NaiveDate::from_ymd_opt(2026, 10, 25).unwrap()
        );
        assert_eq!(
            paris_day(at("2026-10-25 23:00")),
            NaiveDate::from_ymd_opt(2026, 10, 26).unwrap()
        );
    }

    #[test]
    fn the_clock_moves_and_is_found_where_code_runs() {
        let clock = Clock::system();
        clock.set_paris(at("2026-03-29 12:00"));
        let now = clock.now();
        assert!((now - at("2026-03-29 10:00")).num_seconds().abs() < 5);
        assert_eq!(
            clock.today_paris(),
            NaiveDate::from_ymd_opt(2026, 3, 29).unwrap()
        );
        clock.advance(Duration::hours(12));
        assert_eq!(
            clock.today_paris(),
            NaiveDate::from_ymd_opt(2026, 3, 30).unwrap()
        );

        // Elsewhere, the system clock.
        assert!((self::now() - Utc::now().naive_utc()).num_seconds().abs() < 5);
        {
            let _entered = enter(clock.clone());
            assert_eq!(today_paris(), NaiveDate::from_ymd_opt(2026, 3, 30).unwrap());
        }
        assert!((self::now() - Utc::now().naive_utc()).num_seconds().abs() < 5);

        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let day = runtime.block_on(scope(clock.clone(), async {
            tokio::task::yield_now().await;
            today_paris()
        }));
        assert_eq!(day, NaiveDate::from_ymd_opt(2026, 3, 30).unwrap());
    }
}
