//! The generated model card: what a model is for, what it was trained on, how good it is, and
//! what it should not be used for.
//!
//! Renders from a [`Manifest`] alone: it imports [`super::manifest`], never
//! [`super::artefact`] (which writes the card beside the weights).

use super::manifest::{Manifest, ModelKind};
use std::fmt::Write;

/// Renders `MODEL_CARD.md` for `m`; `notes` (Markdown) is inserted under "Data" verbatim.
pub fn render(m: &Manifest, notes: &str) -> String {
    let mut s = String::new();
    identity(&mut s, m);
    data(&mut s, m, notes);
    quality(&mut s, m);
    limits(&mut s);
    s
}

/// Title, version, provenance and intended use.
fn identity(s: &mut String, m: &Manifest) {
    let _ = writeln!(s, "# Model card: {} ({})\n", m.name, m.kind.as_str());
    let _ = writeln!(
        s,
        "- **Version:** `{}`\n- **Created:** {}\n- **Trained by:** instrada {}\n- **Format:** artefact v{}, {} features × {} labels\n",
        m.model_version,
        m.created_at.to_rfc3339(),
        m.instrada_version,
        m.format_version,
        m.n_features,
        m.labels.len()
    );
    let _ = writeln!(s, "## Intended use\n");
    let _ = writeln!(
        s,
        "{}",
        match m.kind {
            ModelKind::Topic =>
                "Suggests which service or office a citizen's request is about, so that a contact centre can route it. Every answer comes with a calibrated probability, alternatives and the words that weighed most; answers below the threshold are `unknown` and go to a person. It advises routing: it does not decide on a citizen's rights.",
            ModelKind::Urgency =>
                "Estimates how fast a request must be handled (low, normal, high, critical). A transparent lexicon of urgency signals can raise the level, never lower it, and every signal is reported by name. Low-confidence answers should be reviewed by a person.",
        }
    );
}

/// The training file, its label counts and the trainer's notes.
fn data(s: &mut String, m: &Manifest, notes: &str) {
    let _ = writeln!(s, "\n## Data\n");
    let d = &m.training_data;
    let _ = writeln!(
        s,
        "- File `{}` (SHA-256 `{}`), {} examples; text from {}, labels from `{}`.",
        d.file,
        d.sha256,
        d.rows,
        d.text_columns
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(" + "),
        d.label_column
    );
    let _ = writeln!(
        s,
        "- Examples per label: {}.",
        d.label_counts
            .iter()
            .map(|(l, n)| format!("{l} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !notes.trim().is_empty() {
        let _ = writeln!(s, "\n{}", notes.trim());
    }
}

/// Validation method, the metrics table and the per-label table.
fn quality(s: &mut String, m: &Manifest) {
    let r = &m.validation.report;
    let _ = writeln!(s, "\n## Quality on validation data\n");
    let _ = writeln!(
        s,
        "Method: {} ({} texts never seen by the model that predicted them).\n",
        m.validation.method, m.validation.size
    );
    let _ = writeln!(s, "| metric | value |\n|---|---|");
    let _ = writeln!(
        s,
        "| accuracy (top label, no abstention) | {:.2} % |",
        100.0 * m.validation.argmax_accuracy
    );
    let _ = writeln!(
        s,
        "| accuracy (with `unknown` answers) | {:.2} % |",
        100.0 * r.accuracy
    );
    let _ = writeln!(
        s,
        "| macro-F1 | {:.3} |\n| macro-recall | {:.3} |",
        r.macro_f1, r.macro_recall
    );
    let _ = writeln!(
        s,
        "| answered `unknown` | {:.1} % (threshold {:.3}) |",
        100.0 * r.abstention_rate,
        m.unknown_threshold
    );
    if let (Some(a), Some(o)) = (r.in_scope_accuracy, r.oos_recall) {
        let _ = writeln!(
            s,
            "| in-scope accuracy | {:.2} % |\n| out-of-scope recall | {:.3} |",
            100.0 * a,
            o
        );
    }
    let _ = writeln!(
        s,
        "\n| label | precision | recall | F1 | support |\n|---|---|---|---|---|"
    );
    for c in &r.per_class {
        let _ = writeln!(
            s,
            "| {} | {:.3} | {:.3} | {:.3} | {} |",
            c.label, c.precision, c.recall, c.f1, c.support
        );
    }
    if !r.most_confused.is_empty() {
        let _ = writeln!(
            s,
            "\nMost confused (gold → predicted): {}.",
            r.most_confused
                .iter()
                .take(5)
                .map(|c| format!("{} → {} ({})", c.gold, c.predicted, c.count))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
}

/// What the model cannot do, the same for every linear model.
fn limits(s: &mut String) {
    let _ = writeln!(s, "\n## Known limits\n");
    let _ = writeln!(
        s,
        "- A bag of words and character n-grams: it does not understand negation (\"non c'è nessuna fuga di gas\") or irony, and it knows only the vocabulary of its training data."
    );
    let _ = writeln!(
        s,
        "- Its quality holds for requests like those it was trained on; a new service, a new channel or a change in how citizens write calls for retraining on recent, corrected requests (`instrada export-feedback`, then `instrada train`)."
    );
    let _ = writeln!(
        s,
        "- Validation figures come from a split of the training data, which is more similar to the training data than tomorrow's requests will be."
    );
}
