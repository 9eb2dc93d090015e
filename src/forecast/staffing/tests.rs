//! The references of the issue, to their stated digits, and every refusal.

use super::*;
use approx::assert_abs_diff_eq;

/// 80 % in 20 s, AHT 180 s.
fn reference() -> StaffingParams {
    StaffingParams::new(180.0, 0.8, 20.0)
}

/// `value` shown with `digits` decimals is `expected`.
fn to_digits(value: f64, digits: i32, expected: f64) {
    let f = 10f64.powi(digits);
    assert_eq!(
        (value * f).round() / f,
        expected,
        "{value} to {digits} digits"
    );
}

#[test]
fn erlang_c_reference_100_contacts_in_30_minutes() {
    let s = reference().shrinkage(0.3).check().unwrap();
    let r = s.solve(100.0, 1800.0).unwrap();
    assert_eq!(r.method, Method::ErlangC);
    assert_eq!(r.agents, 14);
    assert_eq!(r.fte, 20);
    to_digits(r.service_level.unwrap(), 3, 0.888);
    to_digits(r.wait_probability.unwrap(), 3, 0.174);
    to_digits(r.occupancy, 3, 0.714);
    to_digits(r.asa_seconds.unwrap(), 2, 7.84);
    assert_eq!(r.abandonment, None);
    assert_abs_diff_eq!(r.traffic_erlangs, 10.0, epsilon = 1e-12);
    // Exact to the agent: one fewer misses the target.
    let less = s.performance(100.0, 1800.0, 13).unwrap().unwrap();
    assert!(less.service_level < 0.8, "{less:?}");
}

#[test]
fn erlang_a_reference_with_patience_180_seconds() {
    let s = reference().patience(Some(180.0)).check().unwrap();
    let r = s.solve(100.0, 1800.0).unwrap();
    assert_eq!(r.method, Method::ErlangA);
    assert_eq!(r.agents, 12);
    to_digits(r.service_level.unwrap(), 3, 0.802);
    to_digits(r.abandonment.unwrap(), 3, 0.053);
    to_digits(r.asa_seconds.unwrap(), 1, 8.5);
    let less = s.performance(100.0, 1800.0, 11).unwrap().unwrap();
    assert!(less.service_level < 0.8, "{less:?}");
}

#[test]
fn erlang_a_reference_5000_contacts_is_782_not_651() {
    let s = StaffingParams::new(300.0, 0.8, 20.0)
        .patience(Some(180.0))
        .check()
        .unwrap();
    let r = s.solve(5000.0, 1800.0).unwrap();
    assert_eq!(r.agents, 782, "{r:?}");
    assert!(r.service_level.unwrap() >= 0.8);
    let less = s.performance(5000.0, 1800.0, 781).unwrap().unwrap();
    assert!(less.service_level < 0.8, "{less:?}");
    // What a state space truncated at the wrong place answers is far below the target.
    let truncated = s.performance(5000.0, 1800.0, 651).unwrap().unwrap();
    assert!(truncated.service_level < 0.01, "{truncated:?}");
}

#[test]
fn erlang_a_service_level_and_occupancy_are_monotone_so_bisection_is_exact() {
    let s = StaffingParams::new(300.0, 0.8, 20.0)
        .patience(Some(180.0))
        .check()
        .unwrap();
    let mut last: Option<Performance> = None;
    for n in (600..900).step_by(7).chain(1..40) {
        let p = s.performance(5000.0, 1800.0, n).unwrap().unwrap();
        if let Some(l) = last.filter(|l| l.agents < n) {
            assert!(p.service_level >= l.service_level - 1e-12, "{l:?} {p:?}");
            assert!(p.occupancy <= l.occupancy + 1e-12, "{l:?} {p:?}");
        }
        last = Some(p);
    }
}

#[test]
fn the_occupancy_cap_adds_agents() {
    // 5000 contacts: Erlang A's 782 agents are 99.9 % busy; at most 85 % calls for more.
    let s = StaffingParams::new(300.0, 0.8, 20.0)
        .patience(Some(180.0))
        .max_occupancy(0.85)
        .check()
        .unwrap();
    let r = s.solve(5000.0, 1800.0).unwrap();
    assert!(r.occupancy <= 0.85 && r.agents > 782, "{r:?}");
    let less = s
        .performance(5000.0, 1800.0, r.agents - 1)
        .unwrap()
        .unwrap();
    assert!(less.occupancy > 0.85);
    // Erlang C: A = 10, at most 50 % busy → exactly 20.
    let r = reference()
        .max_occupancy(0.5)
        .check()
        .unwrap()
        .solve(100.0, 1800.0)
        .unwrap();
    assert_eq!(r.agents, 20);
}

#[test]
fn erlang_c_is_stable_at_thousands_of_contacts() {
    let s = StaffingParams::new(300.0, 0.8, 20.0).check().unwrap();
    let r = s.solve(5000.0, 1800.0).unwrap();
    // A = 833.3; Erlang C needs more than Erlang A's 782 and more than the traffic.
    assert!(r.agents > 834 && r.agents < 900, "{r:?}");
    assert!(r.service_level.unwrap() >= 0.8);
    let less = s
        .performance(5000.0, 1800.0, r.agents - 1)
        .unwrap()
        .unwrap();
    assert!(less.service_level < 0.8);
    let big = s.solve(500_000.0, 3600.0).unwrap();
    assert!(big.agents > 41_666 && big.service_level.unwrap().is_finite());
}

#[test]
fn backlog_channels_spread_the_work_over_the_window() {
    // 200 e-mails × 600 s = 120,000 s of work, answered within 8 business hours at 85 %:
    // 120,000 / (28,800 × 0.85) = 4.9 → 5 agents, 8 scheduled with 30 % shrinkage.
    let s = StaffingParams::new(600.0, 0.9, 28_800.0)
        .max_occupancy(0.85)
        .shrinkage(0.3)
        .channel(Some("email"))
        .patience(Some(180.0))
        .check()
        .unwrap();
    assert_eq!(s.method(), Method::Backlog);
    let r = s.solve(200.0, 86_400.0).unwrap();
    assert_eq!((r.method, r.agents, r.fte), (Method::Backlog, 5, 8));
    assert_eq!(r.service_level, None);
    assert_eq!(r.asa_seconds, None);
    assert_abs_diff_eq!(r.occupancy, 120_000.0 / (5.0 * 28_800.0), epsilon = 1e-12);
    // Live channels stay Erlang.
    for c in ["phone", "chat", "counter", "app", "social"] {
        let m = reference().channel(Some(c)).check().unwrap().method();
        assert_eq!(m, Method::ErlangC);
    }
    for c in ["pec", "web", "Email"] {
        let m = reference().channel(Some(c)).check().unwrap().method();
        assert_eq!(m, Method::Backlog);
    }
}

#[test]
fn no_contacts_need_no_agents() {
    for params in [reference(), reference().patience(Some(60.0))] {
        let r = params.check().unwrap().solve(0.0, 1800.0).unwrap();
        assert_eq!((r.agents, r.fte), (0, 0));
        assert_eq!(r.service_level, Some(1.0));
    }
}

#[test]
fn fte_ignores_rounding_and_rounds_real_fractions_up() {
    assert_eq!(fte(14, 0.3), 20);
    assert_eq!(fte(15, 0.3), 22);
    assert_eq!(fte(10, 0.0), 10);
    assert_eq!(fte(0, 0.5), 0);
}

#[test]
fn intervals_parse_as_durations_or_seconds() {
    let seconds = |t| parse_interval("interval", t).unwrap();
    assert_eq!(seconds("15m"), 900.0);
    assert_eq!(seconds("30m"), 1800.0);
    assert_eq!(seconds("1h"), 3600.0);
    assert_eq!(seconds("1d"), 86_400.0);
    assert_eq!(seconds("1800"), 1800.0);
    assert_eq!(seconds("0.5h"), 1800.0);
    assert_eq!(seconds("1h30m"), 5400.0);
    assert!(matches!(
        parse_interval("interval", "half an hour"),
        Err(StaffingError::IntervalText { .. })
    ));
    assert!(matches!(
        parse_interval("interval", "0m"),
        Err(StaffingError::Interval { .. })
    ));
    let e = parse_interval("--interval", "2w").unwrap_err();
    assert!(matches!(e, StaffingError::IntervalText { .. }));
    assert_eq!(
        e.to_string(),
        "`--interval` must be 15m, 30m, 1h, 1d or a number of seconds, got `2w`"
    );
}

fn refused(p: StaffingParams) -> StaffingError {
    p.check().unwrap_err()
}

#[test]
fn each_bad_parameter_is_refused_by_name() {
    use StaffingError as E;
    let r = reference;
    assert!(matches!(
        refused(StaffingParams::new(0.0, 0.8, 20.0)),
        E::Aht { .. }
    ));
    assert!(matches!(
        refused(StaffingParams::new(-5.0, 0.8, 20.0)),
        E::Aht { .. }
    ));
    for t in [0.0, 1.0, 1.5, -0.2] {
        assert!(matches!(
            refused(StaffingParams::new(180.0, t, 20.0)),
            E::Target { .. }
        ));
    }
    assert!(matches!(
        refused(StaffingParams::new(180.0, 0.8, -1.0)),
        E::Within { .. }
    ));
    let e = refused(StaffingParams::new(180.0, 0.8, 0.0).channel(Some("email")));
    assert!(matches!(e, E::Within { backlog: true, .. }), "{e}");
    assert!(matches!(refused(r().shrinkage(1.0)), E::Shrinkage { .. }));
    assert!(matches!(refused(r().shrinkage(-0.1)), E::Shrinkage { .. }));
    assert!(matches!(
        refused(r().max_occupancy(0.0)),
        E::Occupancy { .. }
    ));
    assert!(matches!(
        refused(r().max_occupancy(1.01)),
        E::Occupancy { .. }
    ));
    assert!(matches!(
        refused(r().patience(Some(0.0))),
        E::Patience { .. }
    ));
    let e = refused(StaffingParams::new(f64::NAN, 0.8, 20.0));
    assert!(
        matches!(e, E::NotFinite { field: "aht_seconds", value } if value.is_nan()),
        "{e}"
    );
    let e = refused(r().patience(Some(f64::INFINITY)));
    assert!(
        matches!(
            e,
            E::NotFinite {
                field: "patience_seconds",
                ..
            }
        ),
        "{e}"
    );
    // The messages name the field, as the API and the CLI show them.
    assert!(
        refused(r().shrinkage(1.0))
            .to_string()
            .contains("`shrinkage`")
    );
    assert!(
        refused(StaffingParams::new(0.0, 0.8, 20.0))
            .to_string()
            .contains("`aht_seconds`")
    );
}

#[test]
fn each_bad_interval_is_refused_by_name() {
    use StaffingError as E;
    let s = reference().check().unwrap();
    assert!(matches!(
        s.solve(-1.0, 1800.0),
        Err(E::NegativeContacts { .. })
    ));
    assert!(matches!(s.solve(10.0, 0.0), Err(E::Interval { .. })));
    assert!(matches!(s.solve(10.0, -900.0), Err(E::Interval { .. })));
    assert!(matches!(
        s.solve(f64::NAN, 1800.0),
        Err(E::NotFinite {
            field: "contacts",
            ..
        })
    ));
    assert!(matches!(
        s.solve(10.0, f64::INFINITY),
        Err(E::NotFinite {
            field: "interval",
            ..
        })
    ));
}

#[test]
fn an_unreachable_target_is_an_error_not_a_hang() {
    // 10 million contacts of an hour each in 30 minutes: 20 million erlangs.
    let e = StaffingParams::new(3600.0, 0.8, 20.0)
        .check()
        .unwrap()
        .solve(10_000_000.0, 1800.0)
        .unwrap_err();
    assert!(
        matches!(
            e,
            StaffingError::Unreachable {
                max_agents: MAX_AGENTS,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("100000 agents"), "{e}");
    let e = StaffingParams::new(3600.0, 0.8, 20.0)
        .patience(Some(60.0))
        .check()
        .unwrap()
        .solve(10_000_000.0, 1800.0)
        .unwrap_err();
    assert!(matches!(e, StaffingError::Unreachable { .. }), "{e}");
    let e = StaffingParams::new(3600.0, 0.8, 60.0)
        .channel(Some("pec"))
        .check()
        .unwrap()
        .solve(10_000_000.0, 1800.0)
        .unwrap_err();
    assert!(matches!(e, StaffingError::Unreachable { .. }), "{e}");
}

#[test]
fn a_vanishing_interval_or_occupancy_cap_is_unreachable_at_once() {
    // Found by schemathesis: 5e-324 s intervals made the search run for more than ten seconds.
    for (interval, occupancy) in [(5e-324, 0.9), (1800.0, 5e-324), (5e-324, 5e-324)] {
        let s = StaffingParams::new(180.0, 0.8, 20.0)
            .max_occupancy(occupancy)
            .check()
            .unwrap();
        let e = s.solve(100.0, interval).unwrap_err();
        assert!(matches!(e, StaffingError::Unreachable { .. }), "{e}");
    }
}
