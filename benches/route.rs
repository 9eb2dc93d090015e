//! Routing speed: [`Policy::decide`] on the shipped `instrada.toml`, the business-time arithmetic
//! under it, and compiling the policy (what start-up and every reload pay).
//!
//! `cargo bench --bench route`. Replaces the `#[ignore]`d `decide_speed` test, which only printed
//! a time.

mod common;

use chrono::{DateTime, NaiveDateTime, TimeDelta, TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use instrada::calendar::{BusinessCalendar, HolidayCalendar, WeeklyHours, hours};
use instrada::classify::UrgencyLevel;
use instrada::route::{Channel, Policy, RouteInput, RoutingConfig};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;

/// Friday 27 November 2026, 16:00 in Rome: an hour before closing, so business-hours SLAs walk
/// over the weekend (the dearest common case).
fn friday_afternoon() -> DateTime<Utc> {
    let local = NaiveDateTime::parse_from_str("2026-11-27 16:00", "%Y-%m-%d %H:%M").unwrap();
    chrono_tz::Europe::Rome
        .from_local_datetime(&local)
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

/// The `[routing]` table of the shipped configuration, and the topics its rules name (the model's
/// labels as far as the policy is concerned).
fn shipped() -> (String, Vec<String>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("instrada.toml");
    let text = std::fs::read_to_string(path).expect("instrada.toml reads");
    let table: toml::Table = toml::from_str(&text).expect("instrada.toml parses");
    let cfg: RoutingConfig = table["routing"].clone().try_into().expect("[routing]");
    let mut topics: Vec<String> = cfg
        .rules
        .iter()
        .flat_map(|r| r.when.topic.iter().cloned())
        .filter(|t| t != instrada::label::UNKNOWN)
        .collect();
    topics.sort();
    topics.dedup();
    (text, topics)
}

fn decide(c: &mut Criterion) {
    let (text, topics) = shipped();
    let policy = Policy::from_toml_str(&text, &topics).expect("the shipped policy compiles");
    let (signals, attributes) = (Vec::<String>::new(), BTreeMap::new());
    let at = friday_afternoon();
    // Every topic at each routable urgency, plus one unknown topic (triage) and one critical
    // signal (emergency): each step of the decision order is taken.
    let mut inputs: Vec<RouteInput<'_>> = Vec::new();
    for topic in topics
        .iter()
        .map(String::as_str)
        .chain([instrada::label::UNKNOWN])
    {
        for urgency in [UrgencyLevel::Low, UrgencyLevel::Normal, UrgencyLevel::High] {
            inputs.push(RouteInput {
                channel: Channel::Email,
                topic,
                topic_confidence: 0.9,
                urgency,
                urgency_confidence: 0.9,
                urgency_signals: &signals,
                signal_level: None,
                language: "it",
                attributes: &attributes,
                received_at: at,
            });
        }
    }
    let critical = [String::from("fuga_gas")];
    inputs.push(RouteInput {
        urgency: UrgencyLevel::Critical,
        urgency_signals: &critical,
        signal_level: Some(UrgencyLevel::Critical),
        ..inputs[0]
    });
    eprintln!("decide: {} requests per iteration", inputs.len());
    let mut g = c.benchmark_group("route");
    g.throughput(Throughput::Elements(inputs.len() as u64));
    g.bench_function("decide_shipped_policy", |b| {
        b.iter(|| {
            for input in &inputs {
                black_box(policy.decide(black_box(input)));
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("route_compile");
    g.bench_function("shipped_policy", |b| {
        b.iter(|| Policy::from_toml_str(black_box(&text), &topics).unwrap())
    });
    g.finish();
}

fn calendar(c: &mut Criterion) {
    let mut week = WeeklyHours::closed();
    for key in ["mon", "tue", "wed", "thu", "fri"] {
        let day = hours::weekday_from_key(key).unwrap();
        week.set_day(day, hours::parse_day("08:30-12:30,14:30-16:30").unwrap());
    }
    let mut holidays = HolidayCalendar::national();
    holidays.add_local("12-10").unwrap();
    let cal = BusinessCalendar::new(&week, &holidays, chrono_tz::Europe::Rome);
    let at = friday_afternoon();
    let mut g = c.benchmark_group("calendar");
    g.bench_function("add_business_time_4h_over_a_weekend", |b| {
        b.iter(|| cal.add_business_time(black_box(at), TimeDelta::hours(4)))
    });
    let local = cal.local(at);
    g.bench_function("due_local_5d", |b| {
        b.iter(|| cal.due_local(black_box(local), 5, 0))
    });
    g.bench_function("is_open", |b| b.iter(|| cal.is_open(black_box(at))));
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = decide, calendar
}
criterion_main!(benches);
