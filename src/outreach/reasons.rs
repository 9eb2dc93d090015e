//! Why a citizen scored high, in plain Italian and English: each feature's contribution to the
//! logit (from the model: see [`super::model`]), the largest positive ones phrased for a case
//! worker. The built-in history features have their own sentences ("3 contatti sullo stesso tema
//! negli ultimi 14 giorni", "pratica riaperta"); any other feature (a table's column, an
//! attribute) reads `name = value`.

use super::row::Value;
use serde::{Deserialize, Serialize};

/// Most reasons given with a score.
pub const MAX_REASONS: usize = 3;

/// One factor that raised a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// The feature.
    pub feature: String,
    /// Its value for this citizen.
    pub value: Value,
    /// How much it raised the logit (log-odds) against the reference.
    pub contribution: f64,
    /// In Italian.
    pub it: String,
    /// In English.
    pub en: String,
}

fn shown(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round() as i64)
    } else {
        format!("{x:.1}")
    }
}

/// `1 contatto` / `3 contatti`.
fn plural(n: f64, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        shown(n),
        if (n - 1.0).abs() < 1e-9 { one } else { many }
    )
}

/// The Italian and English sentence for feature `name` at `value`.
pub fn phrase(name: &str, value: &Value, repeat_days: u32) -> (String, String) {
    let n = value.as_num();
    let cat = match value {
        Value::Cat(c) => Some(c.as_str()),
        _ => None,
    };
    let days = |d: u32| -> (String, String) { (d.to_string(), d.to_string()) };
    let (d7, d30, d90, dn) = (days(7), days(30), days(90), days(repeat_days));
    match (name, n, cat) {
        ("contacts_7d" | "contacts_30d" | "contacts_90d", Some(x), _) => {
            let d = match name {
                "contacts_7d" => d7,
                "contacts_30d" => d30,
                _ => d90,
            };
            (
                format!(
                    "{} negli ultimi {} giorni",
                    plural(x, "contatto", "contatti"),
                    d.0
                ),
                format!(
                    "{} in the last {} days",
                    plural(x, "contact", "contacts"),
                    d.1
                ),
            )
        }
        ("repeat_same_topic", Some(x), _) => (
            format!(
                "{} sullo stesso tema negli ultimi {} giorni",
                plural(x, "contatto", "contatti"),
                dn.0
            ),
            format!(
                "{} on the same topic in the last {} days",
                plural(x, "contact", "contacts"),
                dn.1
            ),
        ),
        ("open_cases", Some(x), _) if x <= 1.0 => ("pratica aperta".into(), "open case".into()),
        ("open_cases", Some(x), _) => (
            format!("{} pratiche aperte", shown(x)),
            format!("{} open cases", shown(x)),
        ),
        ("reopened_90d", Some(x), _) if x <= 1.0 => {
            ("pratica riaperta".into(), "case reopened".into())
        }
        ("reopened_90d", Some(x), _) => (
            format!("pratica riaperta {} volte negli ultimi 90 giorni", shown(x)),
            format!("case reopened {} times in the last 90 days", shown(x)),
        ),
        ("escalated_90d", Some(_), _) => (
            "pratica passata al livello superiore".into(),
            "case escalated".into(),
        ),
        ("channels_90d", Some(x), _) => (
            format!(
                "{} diversi negli ultimi 90 giorni",
                plural(x, "canale", "canali")
            ),
            format!(
                "{} used in the last 90 days",
                plural(x, "channel", "channels")
            ),
        ),
        ("channel_switch_30d", Some(x), _) if x > 0.0 => (
            "ha cambiato canale sullo stesso tema (es. dal web al telefono)".into(),
            "switched channel on the same topic (e.g. from web to phone)".into(),
        ),
        ("channel_switch_30d", _, _) => {
            ("nessun cambio di canale".into(), "no channel switch".into())
        }
        ("days_since_last_contact", Some(x), _) => (
            format!("ultimo contatto {} giorni fa", shown(x.floor())),
            format!("last contact {} days ago", shown(x.floor())),
        ),
        ("days_since_last_contact", None, _) => (
            "nessun contatto precedente".into(),
            "no earlier contact".into(),
        ),
        ("high_urgency_90d", Some(x), _) => (
            format!(
                "{} urgenti negli ultimi 90 giorni",
                plural(x, "contatto", "contatti")
            ),
            format!(
                "{} with high urgency in the last 90 days",
                plural(x, "contact", "contacts")
            ),
        ),
        ("deadlines_30d", Some(x), _) => (
            format!(
                "{} nei prossimi 30 giorni",
                plural(x, "scadenza", "scadenze")
            ),
            format!("{} in the next 30 days", plural(x, "deadline", "deadlines")),
        ),
        ("days_to_deadline", Some(x), _) => (
            format!("scadenza tra {} giorni", shown(x)),
            format!("deadline in {} days", shown(x)),
        ),
        ("days_to_deadline", None, _) => {
            ("nessuna scadenza nota".into(), "no known deadline".into())
        }
        ("last_channel", _, Some(c)) => (
            format!("ultimo contatto via {c}"),
            format!("last contact via {c}"),
        ),
        ("last_topic", _, Some(c)) => (format!("ultimo tema: {c}"), format!("last topic: {c}")),
        (_, Some(x), _) => (
            format!("{name} = {}", shown(x)),
            format!("{name} = {}", shown(x)),
        ),
        (_, _, Some(c)) => (format!("{name}: {c}"), format!("{name}: {c}")),
        _ => (format!("{name} mancante"), format!("{name} missing")),
    }
}

/// The reasons behind a score: the features with the largest positive `contributions` (one per
/// feature, with its `value`), at most [`MAX_REASONS`], largest first.
pub fn top_reasons(contributions: Vec<(String, Value, f64)>, repeat_days: u32) -> Vec<Reason> {
    let mut c: Vec<(String, Value, f64)> = contributions
        .into_iter()
        .filter(|(_, _, x)| *x > 1e-6)
        .collect();
    c.sort_by(|a, b| b.2.total_cmp(&a.2));
    c.truncate(MAX_REASONS);
    c.into_iter()
        .map(|(feature, value, contribution)| {
            let (it, en) = phrase(&feature, &value, repeat_days);
            Reason {
                feature,
                value,
                contribution,
                it,
                en,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_features_read_as_sentences_and_others_as_name_and_value() {
        let p = |name, v| phrase(name, &v, 14);
        assert_eq!(
            p("repeat_same_topic", Value::Num(3.0)),
            (
                "3 contatti sullo stesso tema negli ultimi 14 giorni".into(),
                "3 contacts on the same topic in the last 14 days".into()
            )
        );
        assert_eq!(p("reopened_90d", Value::Num(1.0)).0, "pratica riaperta");
        assert_eq!(
            p("contacts_7d", Value::Num(1.0)).0,
            "1 contatto negli ultimi 7 giorni"
        );
        assert_eq!(p("tenure", Value::Num(2.5)).1, "tenure = 2.5");
        assert_eq!(
            p("contract", Value::Cat("Month-to-month".into())).1,
            "contract: Month-to-month"
        );
        assert_eq!(p("income", Value::Missing).0, "income mancante");
    }

    #[test]
    fn only_positive_contributions_are_reasons_largest_first() {
        let r = top_reasons(
            vec![
                ("a".into(), Value::Num(1.0), 0.2),
                ("b".into(), Value::Num(1.0), -3.0),
                ("c".into(), Value::Num(1.0), 0.9),
                ("d".into(), Value::Num(1.0), 0.1),
                ("e".into(), Value::Num(1.0), 0.15),
            ],
            14,
        );
        let names: Vec<&str> = r.iter().map(|r| r.feature.as_str()).collect();
        assert_eq!(names, ["c", "a", "e"]);
    }
}
