//! The generated model card of an outreach model: what it is for (advice to a person, never a
//! decision), its features, its data, both candidates' quality, and its limits. Renders from an
//! [`OutreachManifest`] alone.

use super::manifest::OutreachManifest;
use super::row::Kind;
use std::fmt::Write;

/// Renders `MODEL_CARD.md` for `m`; `notes` (Markdown) is inserted under "Data" verbatim.
pub fn render(m: &OutreachManifest, notes: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Model card: {} (outreach)\n", m.name);
    let _ = writeln!(
        s,
        "- **Version:** `{}`\n- **Created:** {}\n- **Trained by:** instrada {}\n- **Backend:** {} ({} encoded columns from {} features)\n- **Predicts:** `{}`{}\n",
        m.model_version,
        m.created_at.to_rfc3339(),
        m.instrada_version,
        m.backend.as_str(),
        m.encoding.width(),
        m.features.definitions.len(),
        m.label.name,
        m.label.as_of.map_or(String::new(), |t| format!(
            " (features as of {}, label in the 30 days after)",
            t.to_rfc3339()
        )),
    );
    let _ = writeln!(s, "## Intended use\n");
    let _ = writeln!(
        s,
        "Ranks citizens whom a case worker may contact proactively, each with a calibrated probability and the factors that raised it. It **advises; it never decides**: a person reviews every flag (GDPR art. 22; scoring access to essential public services is high-risk under the EU AI Act, Annex III 5). It must not be used to deny, delay or prioritise a service or a benefit.\n"
    );
    let _ = writeln!(s, "## Features (SHA-256 `{}`)\n", m.features.sha256);
    let _ = writeln!(s, "| feature | kind | meaning |\n|---|---|---|");
    for d in &m.features.definitions {
        let kind = match d.kind {
            Kind::Numeric => "numeric",
            Kind::Categorical => "categorical",
        };
        let _ = writeln!(s, "| `{}` | {kind} | {} |", d.name, d.en);
    }
    let d = &m.training_data;
    let _ = writeln!(
        s,
        "\n## Data\n\n- `{}` (SHA-256 `{}`), {} rows, {} positive ({:.1} %).",
        d.source,
        d.sha256,
        d.rows,
        d.positives,
        100.0 * d.positives as f64 / d.rows.max(1) as f64
    );
    for n in &d.notes {
        let _ = writeln!(s, "- {n}");
    }
    if !notes.trim().is_empty() {
        let _ = writeln!(s, "\n{}", notes.trim());
    }
    let _ = writeln!(
        s,
        "\n## Quality on validation data\n\nMethod: {}.\n",
        m.validation.method
    );
    let _ = writeln!(
        s,
        "| model | ROC AUC | PR AUC | Brier | top-decile precision | fit (all folds) |\n|---|---|---|---|---|---|"
    );
    for c in &m.validation.candidates {
        let q = &c.metrics;
        let _ = writeln!(
            s,
            "| {}{} | {:.3} | {:.3} | {:.4} | {:.3} | {:.2} s |",
            c.backend.as_str(),
            if c.backend == m.validation.chosen {
                " (kept)"
            } else {
                ""
            },
            q.roc_auc,
            q.pr_auc,
            q.brier,
            q.top_decile_precision,
            c.seconds
        );
    }
    let _ = writeln!(
        s,
        "\nFlag threshold: calibrated probability ≥ {:.3} (best F1 out of fold). Probabilities are Platt-scaled on out-of-fold scores.",
        m.flag_threshold
    );
    let _ = writeln!(s, "\n## Known limits\n");
    let _ = writeln!(
        s,
        "- It learns from past contacts: citizens who rarely contact the office (digital divide, language, disability) have thin histories and low scores; check flag rates by channel, language and other attributes before use."
    );
    let _ = writeln!(
        s,
        "- Reasons are the model's largest contributions, not causes."
    );
    let _ = writeln!(
        s,
        "- Cross-validated figures come from the training period; retrain when services, channels or deadlines change."
    );
    s
}
