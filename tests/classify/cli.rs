//! The real binary: reports, JSON output and clear errors for bad input.

use crate::helpers::{instrada, text, train_ok, write_fixture_csv, write_held_out_csv};
use std::io::Write;
use std::process::Command;

#[test]
fn train_prints_the_report_and_evaluate_json_has_the_figures() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_fixture_csv(dir.path());
    let out = dir.path().join("m");
    let t = train_ok("topic", &data, &out, &[]);
    for needle in ["accuracy", "macro-F1", "precision", "recall", "tributi"] {
        assert!(t.contains(needle), "missing {needle}: {t}");
    }
    // Scored on requests written apart from the training file.
    let held_out = write_held_out_csv(dir.path());
    let o = instrada(&[
        "evaluate",
        "--model",
        out.to_str().unwrap(),
        "--data",
        held_out.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for key in ["accuracy", "macro_f1", "macro_recall", "n"] {
        assert!(v.get(key).is_some(), "no {key} in {v}");
    }
    assert_eq!(v["n"], 18);
    // Measured: 18/18 (1.00); one miss allowed.
    assert!(v["accuracy"].as_f64().unwrap() >= 17.0 / 18.0 - 1e-9, "{v}");
    assert!(v["macro_f1"].as_f64().unwrap() >= 0.9, "{v}");
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
    // Requests with other wording than the training file's.
    let held_out = dir.path().join("held-out.csv");
    std::fs::write(
        &held_out,
        "text,label\n\
         come si paga la tari,tributi\nrata della tari scaduta,tributi\n\
         devo pagare la tari,tributi\ntari da pagare entro maggio,tributi\n\
         carta identita scaduta,anagrafe\nrinnovo della carta di identita,anagrafe\n\
         vorrei rinnovare la carta identita,anagrafe\ncarta identita per mio figlio,anagrafe\n\
         che tempo fa oggi,oos\nche tempo farà domani,oos\n\
         domani fa bel tempo?,oos\nche tempo fa a roma,oos\n",
    )
    .unwrap();
    let o = instrada(&[
        "evaluate",
        "--model",
        out.to_str().unwrap(),
        "--data",
        held_out.to_str().unwrap(),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // Measured: in-scope 8/8, out of scope 4/4 answered unknown; one miss allowed in each.
    assert!(v["in_scope_accuracy"].as_f64().unwrap() >= 7.0 / 8.0, "{v}");
    assert!(v["oos_recall"].as_f64().unwrap() >= 3.0 / 4.0, "{v}");
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

#[test]
fn an_os_error_is_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m");
    let o = instrada(&[
        "train",
        "topic",
        "--data",
        "nope.csv",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        !out.exists(),
        "the output folder made for a failed run is removed"
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("error: cannot read nope.csv: "), "{err}");
    assert_eq!(
        err.matches("(os error 2)").count(),
        1,
        "the cause once: {err}"
    );
}

#[test]
fn an_output_folder_that_cannot_be_written_fails_before_any_fitting() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_fixture_csv(dir.path());
    let a_file = dir.path().join("a-file");
    std::fs::write(&a_file, "").unwrap();
    let under_a_file = a_file.join("m");
    for out in ["/proc/forbidden", under_a_file.to_str().unwrap()] {
        let o = instrada(&[
            "train",
            "topic",
            "--data",
            data.to_str().unwrap(),
            "--out",
            out,
        ]);
        let t = text(&o);
        assert!(!o.status.success(), "{t}");
        assert!(
            t.contains(&format!("error: cannot write the model to {out}: ")),
            "{t}"
        );
        assert!(
            !t.contains("fitting"),
            "failed before reading and fitting: {t}"
        );
    }
}

#[test]
fn evaluate_refuses_data_whose_labels_the_model_does_not_know_and_warns_about_some() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_fixture_csv(dir.path());
    let out = dir.path().join("m");
    train_ok("topic", &data, &out, &[]);
    let evaluate = |csv: &str| {
        let p = dir.path().join("eval.csv");
        std::fs::write(&p, csv).unwrap();
        instrada(&[
            "evaluate",
            "--model",
            out.to_str().unwrap(),
            "--data",
            p.to_str().unwrap(),
            "--json",
        ])
    };
    // No label known: nothing to score.
    let o = evaluate("text,topic\navviso TARI,tasse_locali\ncarta d'identità,demografici\n");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("none of its labels is a label of the model")
            && err.contains("`demografici`, `tasse_locali`")
            && err.contains("`anagrafe`, `strade`, `tributi`"),
        "names both label sets: {err}"
    );
    // Some known: scored, with a warning naming the unknown ones.
    let o = evaluate(
        "text,topic\navviso TARI,tasse_locali\navviso TARI da pagare,tributi\nbuca in via Roma,strade\n",
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("warning: ")
            && err.contains("1 label is not known to the model")
            && err.contains("(`tasse_locali`); 1 row counts as an error"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["unknown_labels"],
        serde_json::json!(["tasse_locali"]),
        "{v}"
    );
    // Urgency codes without --label-map.
    let p = dir.path().join("u.csv");
    std::fs::write(&p, "text,urgency\nserver fermo,0\nnuovo mouse,3\n").unwrap();
    let o = instrada(&[
        "evaluate",
        "--model",
        crate::helpers::root()
            .join("models/urgency")
            .to_str()
            .unwrap(),
        "--data",
        p.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("`0`, `3`") && err.contains("--label-map"),
        "{err}"
    );
}

#[test]
fn classify_away_from_the_repository_root_says_how_to_find_the_models() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_instrada"))
        .args(["classify", "avviso TARI"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("models: not a model directory")
            && err.contains("`--model DIR`")
            && err.contains("`models.dir`"),
        "{err}"
    );
}
