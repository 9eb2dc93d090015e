//! Fixtures: a small labelled corpus written here, and a way to run the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Three topics in Italian, 20 examples each, with varied wording (enough to learn, quick to fit).
pub fn fixture_rows() -> Vec<(String, &'static str, &'static str)> {
    let tari = [
        "avviso TARI da pagare",
        "rata della tassa rifiuti",
        "rimborso IMU versata due volte",
        "F24 per la TARI",
        "bolletta tassa sui rifiuti sbagliata",
    ];
    let anagrafe = [
        "rinnovo carta d'identità",
        "certificato di residenza",
        "cambio di indirizzo all'anagrafe",
        "appuntamento per la CIE",
        "certificato di stato di famiglia",
    ];
    let strade = [
        "buca in via Roma",
        "lampione spento in piazza",
        "marciapiede rotto davanti alla scuola",
        "semaforo guasto all'incrocio",
        "tombino senza coperchio",
    ];
    let tails = [
        "",
        " grazie",
        " per favore",
        " urgente?",
        " buongiorno, vorrei sapere come fare",
    ];
    let mut rows = Vec::new();
    for (topic, urgency, phrases) in [
        ("tributi", "normal", tari),
        ("anagrafe", "low", anagrafe),
        ("strade", "high", strade),
    ] {
        for (i, p) in phrases.iter().enumerate() {
            for (j, t) in tails.iter().enumerate().take(4) {
                rows.push((format!("{p}{t} (pratica {})", i * 10 + j), topic, urgency));
            }
        }
    }
    rows
}

/// Writes the fixture as `text,topic,urgency` CSV into `dir` and returns its path.
pub fn write_fixture_csv(dir: &Path) -> PathBuf {
    let p = dir.join("fixture.csv");
    let mut w = csv::Writer::from_path(&p).unwrap();
    w.write_record(["text", "topic", "urgency"]).unwrap();
    for (text, topic, urgency) in fixture_rows() {
        w.write_record([text.as_str(), topic, urgency]).unwrap();
    }
    w.flush().unwrap();
    p
}

/// Requests on the fixture's three topics written apart from it (no row of [`fixture_rows`] and
/// none of its templates): held-out text for a model trained on the fixture.
pub fn held_out_rows() -> Vec<(&'static str, &'static str)> {
    vec![
        ("devo pagare la TARI ma non ho ricevuto l'avviso", "tributi"),
        ("quanto costa la tassa sui rifiuti quest'anno?", "tributi"),
        (
            "ho pagato due volte l'IMU, come ottengo il rimborso?",
            "tributi",
        ),
        ("mi serve il modello F24 per pagare la rata", "tributi"),
        ("la bolletta della TARI ha un importo sbagliato", "tributi"),
        ("avviso di pagamento della tassa rifiuti scaduto", "tributi"),
        (
            "la mia carta d'identità è scaduta, come la rinnovo?",
            "anagrafe",
        ),
        (
            "vorrei un certificato di residenza per la banca",
            "anagrafe",
        ),
        (
            "mi sono trasferito, devo fare il cambio di indirizzo",
            "anagrafe",
        ),
        (
            "come prendo appuntamento per la carta d'identità elettronica?",
            "anagrafe",
        ),
        ("mi serve lo stato di famiglia per l'INPS", "anagrafe"),
        ("certificato anagrafico per mio figlio", "anagrafe"),
        ("c'è una buca enorme in via Garibaldi", "strade"),
        ("il lampione sotto casa è spento da giorni", "strade"),
        ("il marciapiede di piazza Dante è rotto", "strade"),
        ("semaforo spento all'incrocio con via Verdi", "strade"),
        ("un tombino aperto in mezzo alla strada", "strade"),
        ("buche pericolose davanti alla scuola elementare", "strade"),
    ]
}

/// Writes [`held_out_rows`] as `text,topic` CSV into `dir` and returns its path.
pub fn write_held_out_csv(dir: &Path) -> PathBuf {
    let p = dir.join("held-out.csv");
    let mut w = csv::Writer::from_path(&p).unwrap();
    w.write_record(["text", "topic"]).unwrap();
    for (text, topic) in held_out_rows() {
        w.write_record([text, topic]).unwrap();
    }
    w.flush().unwrap();
    p
}

/// Runs the `instrada` binary with `args` from the repository root.
pub fn instrada(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_instrada"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the instrada binary runs")
}

/// Standard error and output as one string, for assertions on messages.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Trains a `kind` model from `data` into `out` with the real binary; panics with its output if it
/// fails, else returns that output.
pub fn train_ok(kind: &str, data: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "train",
        kind,
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = instrada(&args);
    let t = text(&o);
    assert!(o.status.success(), "{args:?}: {t}");
    t
}
