//! Shared fixtures for the routing tests: the topic labels and a small but complete policy.
//! Test-only; nothing outside `route`'s tests may import it.

use super::{Policy, RoutingConfig};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

/// The labels the topic model knows.
pub(crate) const LABELS: [&str; 15] = [
    "anagrafe_stato_civile",
    "tributi",
    "servizi_sociali",
    "scuola_mense_trasporto",
    "mobilita_ztl_permessi",
    "polizia_locale_sanzioni",
    "rifiuti_igiene_urbana",
    "strade_illuminazione",
    "verde_pubblico",
    "edilizia_suap",
    "cimiteri",
    "acqua_fognature",
    "cultura_biblioteche",
    "elezioni",
    "accesso_atti",
];

/// [`LABELS`] as owned strings, as the classifier hands them over.
pub(crate) fn labels() -> Vec<String> {
    LABELS.iter().map(|s| s.to_string()).collect()
}

/// A small policy: offices open Mon–Fri 09:00-13:00 and 14:00-17:00 (seven hours a day).
pub(crate) const BASE: &str = r#"
[server]
owned_by = "someone else"

[routing]
timezone = "Europe/Rome"
review_threshold = 0.55
urgency_review_threshold = 0.40
triage_queue = "triage"
emergency_queue = "pronto_intervento"
fallback_queue = "urp"
local_holidays = ["12-10"]

[[routing.queue]]
name = "triage"
skills = ["triage"]
hours = { mon = "09:00-13:00,14:00-17:00", tue = "09:00-13:00,14:00-17:00", wed = "09:00-13:00,14:00-17:00", thu = "09:00-13:00,14:00-17:00", fri = "09:00-13:00,14:00-17:00" }
sla = { low = "1d", normal = "4h", high = "1h", critical = "30m" }

[[routing.queue]]
name = "pronto_intervento"
skills = ["reperibilita"]
sla = { low = "1d", normal = "4h", high = "1h", critical = "15m" }

[[routing.queue]]
name = "urp"
skills = ["urp"]
languages = ["it"]
hours = { mon = "09:00-13:00,14:00-17:00", tue = "09:00-13:00,14:00-17:00", wed = "09:00-13:00,14:00-17:00", thu = "09:00-13:00,14:00-17:00", fri = "09:00-13:00,14:00-17:00" }
sla = { low = "5d", normal = "3d", high = "4h", critical = "1h" }

[[routing.queue]]
name = "tributi"
skills = ["tributi"]
languages = ["it"]
hours = { mon = "09:00-13:00,14:00-17:00", tue = "09:00-13:00,14:00-17:00", wed = "09:00-13:00,14:00-17:00", thu = "09:00-13:00,14:00-17:00", fri = "09:00-13:00,14:00-17:00" }
sla = { low = "2d", normal = "1d", high = "4h", critical = "1h" }

[[routing.queue]]
name = "protocollo"
skills = ["protocollo"]
channels = ["pec"]
hours = { mon = "09:00-13:00", tue = "09:00-13:00", wed = "09:00-13:00", thu = "09:00-13:00", fri = "09:00-13:00" }
sla = { low = "3d", normal = "2d", high = "1d", critical = "1h" }

[[routing.queue]]
name = "multilingue"
skills = ["urp"]
languages = ["en", "de"]
channels = ["email", "web"]
hours = { mon = "09:00-13:00", wed = "09:00-13:00", fri = "09:00-13:00" }
sla = { low = "5d", normal = "3d", high = "1d", critical = "1h" }

[[routing.queue]]
name = "tecnico"
skills = ["tecnico"]
hours = { mon = "08:00-14:00", tue = "08:00-14:00", wed = "08:00-14:00", thu = "08:00-14:00", fri = "08:00-14:00" }
sla = { low = "5d", normal = "2d", high = "4h", critical = "1h" }

[[routing.rule]]
name = "pec"
queue = "protocollo"
priority = 3
skills = ["pec", "protocollo"]

[[routing.rule]]
name = "stranieri"
when = { language = ["en", "de"] }
queue = "multilingue"

[[routing.rule]]
name = "strade-urgenti"
when = { topic = ["strade_illuminazione"], urgency = ["high"] }
queue = "pronto_intervento"

[[routing.rule]]
name = "ingombranti"
when = { topic = ["rifiuti_igiene_urbana"], attributes = { tipo = "ingombranti" } }
queue = "tecnico"
skills = ["ingombranti"]

[[routing.rule]]
name = "tributi"
when = { topic = ["tributi"] }
queue = "tributi"
priority = 4
skills = ["tributi", "tari"]

[[routing.rule]]
name = "tecnico"
when = { topic = ["strade_illuminazione", "verde_pubblico", "acqua_fognature"] }
queue = "tecnico"
"#;

/// The `[routing]` table of [`BASE`], to edit in tests.
pub(crate) fn base_config() -> RoutingConfig {
    let table: toml::Table = toml::from_str(BASE).unwrap();
    table["routing"].clone().try_into().unwrap()
}

/// [`BASE`] compiled.
pub(crate) fn base_policy() -> Policy {
    Policy::from_toml_str(BASE, &labels()).unwrap()
}

/// A local time in Rome (`"2026-11-24 10:30"`) as UTC; the earlier instant if ambiguous.
pub(crate) fn rome(text: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
    chrono_tz::Europe::Rome
        .from_local_datetime(&naive)
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}
