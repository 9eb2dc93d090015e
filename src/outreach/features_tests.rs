use super::*;
use chrono::TimeZone;

pub(crate) fn t(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap()
}

pub(crate) fn ev(at: DateTime<Utc>, channel: &str, topic: &str, outcome: &str) -> HistoryEvent {
    HistoryEvent {
        occurred_at: at,
        channel: channel.into(),
        queue: None,
        topic: (!topic.is_empty()).then(|| topic.into()),
        urgency: None,
        outcome: (!outcome.is_empty()).then(|| outcome.into()),
        attributes: BTreeMap::new(),
    }
}

fn history() -> History {
    let mut deadline = ev(t(1, 9), "pec", "", NOTICE_OUTCOME);
    deadline
        .attributes
        .insert(DEADLINE_ATTRIBUTE.into(), "2026-03-30".into());
    let mut urgent = ev(t(12, 9), "phone", "tari", "reopened");
    urgent.urgency = Some("high".into());
    urgent.attributes.insert("isee".into(), "12000,5".into());
    History::new(vec![
        ev(t(14, 9), "phone", "tari", "open"),
        deadline,
        ev(t(5, 9), "web", "tari", "open"),
        urgent,
        ev(t(2, 9), "email", "anagrafe", "resolved"),
    ])
}

fn num(row: &FeatureRow, name: &str) -> f64 {
    row.get(name).as_num().unwrap_or(f64::NAN)
}

#[test]
fn features_count_contacts_repeats_cases_channels_and_deadlines() {
    let spec = FeatureSpec {
        numeric_attributes: vec!["isee".into()],
        categorical_attributes: vec!["lingua".into()],
        ..FeatureSpec::default()
    };
    let row = features(&history(), t(15, 9), &spec);
    assert_eq!(num(&row, "contacts_7d"), 2.0, "the 12th and the 14th");
    assert_eq!(
        num(&row, "contacts_30d"),
        4.0,
        "the deadline notice is not a contact"
    );
    assert_eq!(
        num(&row, "repeat_same_topic"),
        3.0,
        "three on tari within 14 days"
    );
    assert_eq!(num(&row, "open_cases"), 1.0, "tari open, anagrafe resolved");
    assert_eq!(num(&row, "reopened_90d"), 1.0);
    assert_eq!(num(&row, "channels_90d"), 3.0);
    assert_eq!(num(&row, "channel_switch_30d"), 1.0, "tari: web then phone");
    assert_eq!(num(&row, "days_since_last_contact"), 1.0);
    assert_eq!(num(&row, "high_urgency_90d"), 1.0);
    assert_eq!(num(&row, "deadlines_30d"), 1.0);
    assert_eq!(num(&row, "days_to_deadline"), 15.0);
    assert_eq!(row.get("last_channel"), &Value::Cat("phone".into()));
    assert_eq!(row.get("last_topic"), &Value::Cat("tari".into()));
    assert_eq!(num(&row, "attributes.isee"), 12000.5);
    assert_eq!(row.get("attributes.lingua"), &Value::Missing);
    let defs = spec.definitions();
    assert_eq!(defs.len(), BUILTIN.len() + 2);
    for d in &defs {
        assert!(row.values.contains_key(&d.name), "{} computed", d.name);
    }
    assert_eq!(
        row.values.len(),
        defs.len(),
        "every computed feature is defined"
    );
}

#[test]
fn events_after_as_of_change_nothing() {
    let spec = FeatureSpec {
        numeric_attributes: vec!["isee".into()],
        ..FeatureSpec::default()
    };
    let as_of = t(13, 9);
    let before = features(&history(), as_of, &spec);
    let mut more = history().events;
    let mut later = ev(t(13, 10), "counter", "tari", "escalated");
    later.urgency = Some("critical".into());
    later.attributes.insert("isee".into(), "1".into());
    later
        .attributes
        .insert(DEADLINE_ATTRIBUTE.into(), "2026-03-20".into());
    more.push(later);
    more.push(ev(t(28, 9), "app", "anagrafe", "open"));
    let after = features(&History::new(more), as_of, &spec);
    assert_eq!(before, after);
    // The 14th's contact is already in `history()`: as of the 13th it must not count.
    assert_eq!(
        num(&before, "contacts_7d"),
        1.0,
        "the 12th only: the 14th is after as_of"
    );
    assert_eq!(num(&before, "days_since_last_contact"), 1.0);
}

#[test]
fn no_history_gives_zero_counts_and_missing_days() {
    let row = features(&History::default(), t(15, 9), &FeatureSpec::default());
    assert_eq!(num(&row, "contacts_90d"), 0.0);
    assert_eq!(row.get("days_since_last_contact"), &Value::Missing);
    assert_eq!(row.get("last_channel"), &Value::Missing);
}

#[test]
fn a_met_deadline_is_no_longer_pending() {
    let mut h = history().events;
    let mut met = ev(t(10, 9), "web", "", "resolved");
    met.attributes
        .insert(DEADLINE_MET_ATTRIBUTE.into(), "2026-03-30".into());
    h.push(met);
    let row = features(&History::new(h), t(15, 9), &FeatureSpec::default());
    assert_eq!(num(&row, "deadlines_30d"), 0.0);
    assert_eq!(row.get("days_to_deadline"), &Value::Missing);
}

#[test]
fn labels_look_only_at_the_next_30_days() {
    let h = history();
    let l = OutreachLabel::RepeatContact30d;
    assert!(l.happens(&h, t(13, 9)), "tari again on the 14th");
    assert!(!l.happens(&h, t(15, 9)), "nothing after the 14th");
    let mut late = h.events.clone();
    late.push(ev(t(14, 9) + Duration::days(40), "phone", "tari", "open"));
    assert!(
        !l.happens(&History::new(late), t(15, 9)),
        "40 days later is outside the window"
    );
    let mut complaint = h.events.clone();
    complaint.push(ev(t(20, 9), "web", "reclamo", ""));
    assert!(OutreachLabel::Complaint30d.happens(&History::new(complaint), t(15, 9)));
    assert!(!OutreachLabel::Escalation30d.happens(&h, t(15, 9)));
    assert_eq!(
        OutreachLabel::parse("complaint_30d"),
        Some(OutreachLabel::Complaint30d)
    );
    assert_eq!(OutreachLabel::parse("nope"), None);
}
