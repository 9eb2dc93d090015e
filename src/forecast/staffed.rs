//! Agents only while a queue is open. A series counts contacts whenever they arrive (an e-mail,
//! a PEC, a web form come at any hour), but agents work the queue's opening hours: an interval
//! outside them calls for no agents, and what is forecast to arrive then is carried to the next
//! opening and spread evenly over its intervals (the overnight mail is worked through the
//! morning). Calls and chats are not carried: a caller who finds the line closed does not wait
//! in a queue. National holidays and the local closures (`routing.local_holidays`) are closed
//! days.
//!
//! Pure: the forecast points in, the staffed points out; [`super::plan`] calls it.

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;

use super::models::Point;
use super::staffing::{Staffed, Staffing};
use crate::calendar::{HolidayCalendar, WeeklyHours};

/// One forecast interval with the staff it calls for.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StaffedPoint {
    /// The forecast.
    pub point: Point,
    /// Agents and FTE for the expected contacts (and those carried to it); `None` when the
    /// interval is closed.
    pub staffing: Option<Staffed>,
}

/// When agents work, and whether what arrives meanwhile waits for them.
#[derive(Debug, Clone, Copy)]
pub struct StaffedHours<'a> {
    /// The queue's weekly opening hours.
    pub hours: &'a WeeklyHours,
    /// The zone they are in.
    pub tz: Tz,
    /// The days the office is closed whatever the weekday: national holidays, local closures.
    pub closed: &'a HolidayCalendar,
    /// Whether contacts arriving while closed wait for the opening (written channels), or are
    /// lost to it (calls, chats).
    pub carry: bool,
}

impl StaffedHours<'_> {
    /// Whether an interval starting at `start` is open (its start inside a window, not a
    /// closed day).
    pub fn is_open(&self, start: DateTime<Utc>) -> bool {
        let local = start.with_timezone(&self.tz);
        if self.closed.is_holiday(local.date_naive()) {
            return false;
        }
        let second = local.num_seconds_from_midnight();
        self.hours
            .windows(local.weekday())
            .iter()
            .any(|w| (w.start..w.end).contains(&second))
    }
}

/// What [`staff`] did with the closed hours.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Carried {
    /// Intervals with no agents because the queue is closed.
    pub closed_intervals: usize,
    /// Contacts forecast to arrive while closed and carried to an opening.
    pub carried: f64,
    /// Contacts forecast to arrive while closed with no opening after them in the horizon, or
    /// on a channel that does not wait (not carried).
    pub not_carried: f64,
}

/// Staffs `points` (each `seconds` long): every open interval with `staffing` for its contacts
/// plus its share of what was carried into its opening; closed ones with none. Without `hours`
/// every interval is open.
pub fn staff(
    points: Vec<Point>,
    staffing: Option<&Staffing>,
    seconds: f64,
    hours: Option<StaffedHours<'_>>,
) -> (Vec<StaffedPoint>, Carried) {
    let open: Vec<bool> = points
        .iter()
        .map(|p| hours.is_none_or(|h| h.is_open(p.start)))
        .collect();
    let mut extra = vec![0.0; points.len()];
    let mut carried = Carried::default();
    let carry = hours.is_some_and(|h| h.carry);
    // Each closed run's arrivals go to the open run after it, shared evenly.
    let mut waiting = 0.0;
    let mut i = 0;
    while i < points.len() {
        if !open[i] {
            carried.closed_intervals += 1;
            waiting += points[i].expected;
            i += 1;
            continue;
        }
        let run_end = (i..points.len())
            .find(|&j| !open[j])
            .unwrap_or(points.len());
        if waiting > 0.0 {
            if carry {
                let share = waiting / (run_end - i) as f64;
                extra[i..run_end].iter_mut().for_each(|e| *e = share);
                carried.carried += waiting;
            } else {
                carried.not_carried += waiting;
            }
            waiting = 0.0;
        }
        i = run_end;
    }
    carried.not_carried += waiting;
    let staffed = points
        .into_iter()
        .zip(open)
        .zip(extra)
        .map(|((point, open), extra)| {
            let contacts = point.expected + extra;
            StaffedPoint {
                staffing: staffing
                    .filter(|_| open && (contacts > 0.0 || point.upper95 > 0.0))
                    .and_then(|s| s.solve(contacts, seconds).ok()),
                point,
            }
        })
        .collect();
    (staffed, carried)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::hours::parse_day;
    use crate::forecast::staffing::StaffingParams;
    use chrono::{TimeZone, Weekday};

    fn point(start: DateTime<Utc>, expected: f64) -> Point {
        Point {
            start,
            expected,
            lower80: expected,
            upper80: expected,
            lower95: expected,
            upper95: expected,
        }
    }

    /// Monday 7 December 2026 from 06:00 Rome, hourly, 10 contacts an hour; tomorrow is the
    /// Immacolata (a national holiday).
    fn day(hours: usize) -> Vec<Point> {
        let six = chrono_tz::Europe::Rome
            .with_ymd_and_hms(2026, 12, 7, 6, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        (0..hours)
            .map(|h| point(six + chrono::TimeDelta::hours(h as i64), 10.0))
            .collect()
    }

    fn mornings() -> WeeklyHours {
        let mut w = WeeklyHours::closed();
        for d in [Weekday::Mon, Weekday::Tue, Weekday::Wed] {
            w.set_day(d, parse_day("09:00-12:00,15:00-17:00").unwrap());
        }
        w
    }

    #[test]
    fn no_agents_while_closed_and_the_waiting_mail_is_worked_at_the_opening() {
        let staffing = StaffingParams::new(600.0, 0.8, 1800.0)
            .channel(Some("email"))
            .check()
            .unwrap();
        let week = mornings();
        let national = HolidayCalendar::national();
        let hours = StaffedHours {
            hours: &week,
            tz: chrono_tz::Europe::Rome,
            closed: &national,
            carry: true,
        };
        let (points, carried) = staff(day(12), Some(&staffing), 3600.0, Some(hours));
        let agents: Vec<Option<u32>> = points
            .iter()
            .map(|p| p.staffing.as_ref().map(|s| s.agents))
            .collect();
        // 06-09 closed, 09-12 open, 12-15 closed, 15-17 open, 17-18 closed.
        let open: Vec<bool> = agents.iter().map(Option::is_some).collect();
        assert_eq!(
            open,
            [
                false, false, false, true, true, true, false, false, false, true, true, false
            ]
        );
        assert_eq!(carried.closed_intervals, 7);
        // 06-09's 30 contacts go to 09-12 (10 more an hour), 12-15's 30 to 15-17 (15 more).
        assert_eq!(carried.carried, 60.0);
        assert_eq!(carried.not_carried, 10.0, "17-18 has no opening after it");
        let alone = staffing.solve(10.0, 3600.0).unwrap().agents;
        let morning = staffing.solve(20.0, 3600.0).unwrap().agents;
        let afternoon = staffing.solve(25.0, 3600.0).unwrap().agents;
        assert!(
            morning > alone || afternoon > alone,
            "{alone} {morning} {afternoon}"
        );
        assert_eq!(agents[3], Some(morning));
        assert_eq!(agents[9], Some(afternoon));
    }

    #[test]
    fn calls_are_not_carried_holidays_are_closed_and_without_hours_all_is_open() {
        let staffing = StaffingParams::new(300.0, 0.8, 20.0).check().unwrap();
        let week = mornings();
        let national = HolidayCalendar::national();
        let calls = StaffedHours {
            hours: &week,
            tz: chrono_tz::Europe::Rome,
            closed: &national,
            carry: false,
        };
        let (points, carried) = staff(day(12), Some(&staffing), 3600.0, Some(calls));
        assert_eq!((carried.carried, carried.not_carried), (0.0, 70.0));
        let at_nine = staffing.solve(10.0, 3600.0).unwrap().agents;
        assert_eq!(points[3].staffing.as_ref().map(|s| s.agents), Some(at_nine));
        // Tuesday 8 December: open on Tuesdays, closed for the Immacolata.
        let (points, _) = staff(day(30)[26..].to_vec(), Some(&staffing), 3600.0, Some(calls));
        assert!(points.iter().all(|p| p.staffing.is_none()), "{points:?}");
        let (points, carried) = staff(day(12), Some(&staffing), 3600.0, None);
        assert!(points.iter().all(|p| p.staffing.is_some()));
        assert_eq!(carried, Carried::default());
    }
}
