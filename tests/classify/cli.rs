//! The real binary: reports, JSON output and clear errors for bad input.

use crate::helpers::{instrada, text, train_ok, write_fixture_csv};
use std::io::Write;

#[test]
fn train_prints_the_report_and_evaluate_json_has_the_figures() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_fixture_csv(dir.path());
    let out = dir.path().join("m");
    let t = train_ok("topic", &data, &out, &[]);
    for needle in ["accuracy", "macro-F1", "precision", "recall", "tributi"] {
        assert!(t.contains(needle), "missing {needle}: {t}");
    }
    let o = instrada(&[
        "evaluate",
        "--model",
        out.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for key in ["accuracy", "macro_f1", "macro_recall", "n"] {
        assert!(v.get(key).is_some(), "no {key} in {v}");
    }
    assert_eq!(v["n"], 60);
    assert!(v["accuracy"].as_f64().unwrap() > 0.9);
}

#[test]
fn out_of_scope_label_gives_in_scope_accuracy_and_oos_recall() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("oos.csv");
    let mut f = std::fs::File::create(&p).unwrap();
    writeln!(f, "text,label").unwrap();
    for i in 0..20 {
        writeln!(f, "pagare la tari rata {i},tributi\nrinnovo carta identita {i},anagrafe\nche tempo fa domani {i},oos").unwrap();
    }
    drop(f);
    let out = dir.path().join("m");
    train_ok("topic", &p, &out, &["--oos-label", "oos"]);
    let o = instrada(&[
        "evaluate",
        "--model",
        out.to_str().unwrap(),
        "--data",
        p.to_str().unwrap(),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["in_scope_accuracy"].as_f64().unwrap() > 0.9, "{v}");
    assert!(v["oos_recall"].as_f64().unwrap() > 0.9, "{v}");
    let o = instrada(&[
        "classify",
        "--model",
        out.to_str().unwrap(),
        "--json",
        "che tempo fa domani",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["topic"]["prediction"]["label"], "unknown", "{v}");
}

#[test]
fn classify_prints_label_probability_alternatives_and_signals() {
    let o = instrada(&[
        "classify",
        "C'è una fuga di gas in via Roma 3, aiuto!",
        "Come pago la TARI?",
    ]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        t.contains("topic:")
            && t.contains("alternatives:")
            && t.contains("gas_leak")
            && t.contains("critical")
            && t.contains("tributi"),
        "{t}"
    );
}

#[test]
fn bad_input_gets_a_clear_error_and_a_failing_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, content: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        p.to_str().unwrap().to_string()
    };
    let out = dir.path().join("m");
    let out = out.to_str().unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["classify".into(), "   ".into()], "nothing to classify"),
        (
            vec![
                "classify".into(),
                "--model".into(),
                "/nonexistent".into(),
                "ciao".into(),
            ],
            "/nonexistent",
        ),
        (
            vec![
                "train".into(),
                "topic".into(),
                "--data".into(),
                write("a.csv", b"testo,x\nciao,y\n"),
                "--out".into(),
                out.into(),
            ],
            "no column `topic` or `label`",
        ),
        (
            vec![
                "train".into(),
                "topic".into(),
                "--data".into(),
                write("b.csv", b"text,topic\nuno,a\ndue,\n"),
                "--out".into(),
                out.into(),
            ],
            "b.csv:3: empty label",
        ),
        (
            vec![
                "train".into(),
                "topic".into(),
                "--data".into(),
                write("c.csv", b"text,topic\nuno,a\ndue,b,c\n"),
                "--out".into(),
                out.into(),
            ],
            "c.csv:3: row has 3 fields",
        ),
        (
            vec![
                "train".into(),
                "topic".into(),
                "--data".into(),
                write("d.csv", b"text,topic\nuno,a\nd\xff,b\n"),
                "--out".into(),
                out.into(),
            ],
            "d.csv:3: invalid UTF-8",
        ),
        (
            vec![
                "train".into(),
                "topic".into(),
                "--data".into(),
                write("e.csv", b"text,topic\nuno,a\ndue,a\n"),
                "--out".into(),
                out.into(),
            ],
            "at least two classes",
        ),
        (
            vec![
                "train".into(),
                "urgency".into(),
                "--data".into(),
                write("f.csv", b"text,urgency\nuno,3\ndue,1\n"),
                "--out".into(),
                out.into(),
            ],
            "--label-map",
        ),
        (
            vec![
                "train".into(),
                "topic".into(),
                "--data".into(),
                "/nonexistent/x.csv".into(),
                "--out".into(),
                out.into(),
            ],
            "cannot read /nonexistent/x.csv",
        ),
    ];
    for (args, needle) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = instrada(&args);
        let t = text(&o);
        assert!(!o.status.success(), "{args:?} should fail: {t}");
        assert!(t.contains(needle), "{args:?}: expected «{needle}» in: {t}");
        assert!(!t.contains("panicked"), "{args:?} panicked: {t}");
    }
}

#[test]
fn a_class_with_one_example_is_trained_on_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.csv");
    let mut body = String::from("text,topic\n");
    for i in 0..10 {
        body.push_str(&format!(
            "pagare la tari {i},tributi\nrinnovo carta identita {i},anagrafe\n"
        ));
    }
    body.push_str("loculo al cimitero,cimiteri\n");
    std::fs::write(&p, body).unwrap();
    let out = dir.path().join("m");
    let t = train_ok("topic", &p, &out, &[]);
    assert!(t.contains("label `cimiteri` has a single example"), "{t}");
}

#[test]
fn urgency_codes_are_mapped_to_levels() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("u.csv");
    let mut body = String::from("text,urgency\n");
    for i in 0..10 {
        body.push_str(&format!(
            "server giu tutto fermo {i},0\nrichiesta nuovo mouse {i},3\n"
        ));
    }
    std::fs::write(&p, body).unwrap();
    let out = dir.path().join("m");
    train_ok(
        "urgency",
        &p,
        &out,
        &["--label-map", "0=critical,1=high,2=normal,3=low"],
    );
    let o = instrada(&[
        "classify",
        "--model",
        out.to_str().unwrap(),
        "server giu tutto fermo",
    ]);
    assert!(text(&o).contains("urgency:  critical"), "{}", text(&o));
}
