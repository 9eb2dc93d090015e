use super::*;
use crate::outreach::artefact;
use crate::outreach::encode::ColumnEncoding;
use crate::outreach::model::OutreachModel;
use crate::outreach::row::{FeatureDef, Kind, Value};

/// A table where `calls` raises the risk linearly and `plan = premium` lowers it; `noise` is noise.
pub(crate) fn linear_table(n: usize, seed: u64) -> Table {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut t = Table {
        defs: vec![
            FeatureDef::column("calls", Kind::Numeric),
            FeatureDef::column("plan", Kind::Categorical),
            FeatureDef::column("noise", Kind::Numeric),
        ],
        rows: Vec::new(),
        labels: Vec::new(),
        ids: Vec::new(),
        source: "synthetic".into(),
        sha256: "0".repeat(64),
        notes: Vec::new(),
    };
    for i in 0..n {
        let calls = f64::from(rng.u8(0..8));
        let premium = rng.bool();
        let logit = 0.8 * calls - 3.0 - if premium { 1.5 } else { 0.0 };
        let mut row = FeatureRow::default();
        row.set(
            "calls",
            if i % 17 == 0 {
                Value::Missing
            } else {
                Value::Num(calls)
            },
        );
        row.set(
            "plan",
            Value::Cat(if premium { "premium" } else { "basic" }.into()),
        );
        row.set("noise", Value::Num(rng.f64()));
        t.rows.push(row);
        t.labels
            .push(rng.f64() < super::super::calibrate::sigmoid(logit));
        t.ids.push(i.to_string());
    }
    t
}

fn label() -> LabelInfo {
    LabelInfo {
        name: "y".into(),
        positive: None,
        as_of: None,
    }
}

fn row(calls: f64, plan: &str) -> FeatureRow {
    let mut r = FeatureRow::default();
    r.set("calls", Value::Num(calls));
    r.set("plan", Value::Cat(plan.into()));
    r.set("noise", Value::Num(0.5));
    r
}

#[test]
fn auto_compares_both_kinds_and_keeps_the_higher_auc() {
    let t = linear_table(800, 1);
    let p = OutreachParams::new("t")
        .trees(TreeParams {
            n_trees: 60,
            ..TreeParams::default()
        })
        .check()
        .unwrap();
    let m = p.fit(&t, None, label()).unwrap();
    let v = &m.manifest().validation;
    assert_eq!(v.candidates.len(), 2);
    let best = v
        .candidates
        .iter()
        .max_by(|a, b| a.metrics.roc_auc.total_cmp(&b.metrics.roc_auc))
        .unwrap();
    assert_eq!(v.chosen, best.backend);
    assert_eq!(m.manifest().backend, best.backend);
    assert!(best.metrics.roc_auc > 0.8, "{:?}", best.metrics);
    let hi = m.score(&row(7.0, "basic")).unwrap();
    let lo = m.score(&row(0.0, "premium")).unwrap();
    assert!(
        hi.probability > 0.7 && lo.probability < 0.1,
        "{} {}",
        hi.probability,
        lo.probability
    );
    assert!(hi.flagged && !lo.flagged);
}

#[test]
fn the_top_reason_follows_the_feature_behind_it() {
    let t = linear_table(800, 2);
    for choice in [ModelChoice::Logistic, ModelChoice::Trees] {
        let p = OutreachParams::new("t").model(choice).trees(TreeParams {
            n_trees: 60,
            ..TreeParams::default()
        });
        let m = p.check().unwrap().fit(&t, None, label()).unwrap();
        let by_calls = m.score(&row(7.0, "premium")).unwrap();
        assert_eq!(
            by_calls.reasons[0].feature, "calls",
            "{choice:?}: {:?}",
            by_calls.reasons
        );
        assert_eq!(by_calls.reasons[0].en, "calls = 7");
        let by_plan = m.score(&row(1.0, "basic")).unwrap();
        assert_eq!(
            by_plan.reasons[0].feature, "plan",
            "{choice:?}: {:?}",
            by_plan.reasons
        );
        assert_eq!(by_plan.reasons[0].it, "plan: basic");
    }
}

#[test]
fn a_saved_model_loads_and_scores_identically_and_a_broken_one_is_refused() {
    let t = linear_table(300, 3);
    let dir = tempfile::tempdir().unwrap();
    for (k, choice) in [ModelChoice::Logistic, ModelChoice::Trees]
        .into_iter()
        .enumerate()
    {
        let p = OutreachParams::new("t").model(choice).trees(TreeParams {
            n_trees: 40,
            ..TreeParams::default()
        });
        let mut m = p.check().unwrap().fit(&t, None, label()).unwrap();
        let out = dir.path().join(format!("m{k}"));
        artefact::save(&out, &mut m, "").unwrap();
        assert!(artefact::is_outreach(&out));
        let back = artefact::load(&out).unwrap();
        assert_eq!(back.manifest(), m.manifest());
        for r in t.rows.iter().take(50) {
            assert_eq!(back.score(r).unwrap(), m.score(r).unwrap());
        }
    }
    let out = dir.path().join("m0");
    let weights = out.join(artefact::WEIGHTS);
    let mut bytes = std::fs::read(&weights).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&weights, &bytes).unwrap();
    let err = artefact::load(&out).unwrap_err().to_string();
    assert!(
        err.contains("weights.safetensors") && err.contains("checksum"),
        "{err}"
    );
    let mpath = out.join(artefact::MANIFEST);
    let text = std::fs::read_to_string(&mpath)
        .unwrap()
        .replacen("\"calls\"", "\"appels\"", 1);
    std::fs::write(&mpath, text).unwrap();
    let err = artefact::load(&out).unwrap_err().to_string();
    assert!(
        err.contains("manifest.json") && err.contains("feature definitions"),
        "{err}"
    );
}

#[test]
fn a_history_model_trained_on_other_definitions_is_refused_by_name() {
    let spec = FeatureSpec::default();
    let mut t = linear_table(200, 4);
    t.defs = spec.definitions();
    for (r, y) in t.rows.iter_mut().zip(&t.labels) {
        r.set("repeat_same_topic", Value::Num(if *y { 3.0 } else { 0.0 }));
    }
    let p = OutreachParams::new("h")
        .model(ModelChoice::Logistic)
        .check()
        .unwrap();
    let mut m = p.fit(&t, Some(&spec), label()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    artefact::save(dir.path(), &mut m, "").unwrap();
    assert!(artefact::load(dir.path()).is_ok());
    // As if an older build had named a feature differently: rewrite it and its hash.
    let mpath = dir.path().join(artefact::MANIFEST);
    let mut man = artefact::read_manifest(dir.path()).unwrap();
    man.features.definitions[3].name = "repeats_14d".into();
    man.encoding.columns[3] = crate::outreach::encode::ColumnEncoding::Numeric {
        name: "repeats_14d".into(),
        median: 0.0,
        indicator: false,
    };
    man.features.sha256 = FeatureSet::hash(&man.features.definitions, man.features.spec.as_ref());
    std::fs::write(&mpath, serde_json::to_vec(&man).unwrap()).unwrap();
    let err = artefact::load(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("manifest.json")
            && err.contains("`repeats_14d` where this build has `repeat_same_topic`"),
        "{err}"
    );
}

#[test]
fn one_class_and_bad_settings_are_clear_errors() {
    let mut t = linear_table(100, 5);
    t.labels.iter_mut().for_each(|y| *y = false);
    let p = OutreachParams::new("t").check().unwrap();
    let err = p.fit(&t, None, label()).unwrap_err().to_string();
    assert!(err.contains("0 positive and 100 negative"), "{err}");
    assert!(OutreachParams::new("t").folds(1).check().is_err());
}

#[test]
fn folds_are_stratified() {
    let y: Vec<bool> = (0..103).map(|i| i % 4 == 0).collect();
    let f = stratified_folds(&y, 5, 9);
    for k in 0..5 {
        let pos = (0..y.len()).filter(|&i| f[i] == k && y[i]).count();
        assert!((5..=6).contains(&pos), "fold {k}: {pos}");
    }
}

/// The calibrated probability of the encoded row whose columns, named as
/// [`Encoding::column_names`] names them, are `columns` (every other one 0): the logistic function
/// of the model's own coefficients, worked out here; for the trees, their logit is the
/// estimator's (a tree walk written again would only repeat `trees.rs`).
fn by_hand(model: &NativeModel, columns: &[(&str, f64)]) -> f64 {
    let names = model.manifest().encoding.column_names();
    for (c, _) in columns {
        assert!(names.iter().any(|n| n == c), "no column {c} in {names:?}");
    }
    let x: Vec<f64> = names
        .iter()
        .map(|n| {
            columns
                .iter()
                .find(|(c, _)| c == n)
                .map_or(0.0, |(_, v)| *v)
        })
        .collect();
    let logit = match model.estimator() {
        Estimator::Logistic(m) => {
            let mut z = m.intercept;
            for (j, x) in x.iter().enumerate() {
                z += m.coef[j] * (x - m.mean[j]) / m.scale[j];
            }
            z
        }
        Estimator::Trees(m) => m.logit(&x),
    };
    let c = model.manifest().calibration;
    1.0 / (1.0 + (-(c.a * logit + c.b)).exp())
}

/// The training median of numeric feature `name`, as the model's encoding imputes it.
fn median(model: &NativeModel, name: &str) -> f64 {
    model
        .manifest()
        .encoding
        .columns
        .iter()
        .find_map(|c| match c {
            ColumnEncoding::Numeric {
                name: n, median, ..
            } if n == name => Some(*median),
            _ => None,
        })
        .unwrap()
}

#[test]
fn constant_and_all_missing_columns_train_and_a_row_missing_a_column_or_with_a_new_level_scores() {
    let mut t = linear_table(300, 11);
    t.defs.push(FeatureDef::column("same", Kind::Numeric));
    t.defs.push(FeatureDef::column("blank", Kind::Numeric));
    t.defs.push(FeatureDef::column("office", Kind::Categorical));
    for r in &mut t.rows {
        r.set("same", Value::Num(4.0));
        r.set("blank", Value::Missing);
        r.set("office", Value::Missing);
    }
    for choice in [ModelChoice::Logistic, ModelChoice::Trees] {
        let p = OutreachParams::new("t").model(choice).check().unwrap();
        let model = p.fit(&t, None, label()).unwrap();
        // A level never seen, and a row without `plan` or `noise`: scored as the encoding says
        // (a new level is `other/missing`, an absent number its median), never a panic. `same`
        // is 4 in every row; `blank` has no value, so its median is 0 and its missing column on.
        let mut odd = row(6.0, "platinum");
        odd.set("office", Value::Cat("Spinetta Marengo".into()));
        let s = model.score(&odd).unwrap();
        let fixed = [
            ("same", 4.0),
            ("blank=missing", 1.0),
            ("office=other/missing", 1.0),
        ];
        let mut want = vec![("calls", 6.0), ("plan=other/missing", 1.0), ("noise", 0.5)];
        want.extend(fixed);
        let p = by_hand(&model, &want);
        assert!(
            (s.probability - p).abs() < 1e-12,
            "{choice:?}: {s:?} vs {p}"
        );
        let mut sparse = FeatureRow::default();
        sparse.set("calls", Value::Num(6.0));
        let s = model.score(&sparse).unwrap();
        let mut want = vec![
            ("calls", 6.0),
            ("plan=other/missing", 1.0),
            ("noise", median(&model, "noise")),
        ];
        want.extend(fixed);
        let p = by_hand(&model, &want);
        assert!(
            (s.probability - p).abs() < 1e-12,
            "{choice:?}: {s:?} vs {p}"
        );
        // The constant and the empty column explain nothing.
        assert!(
            s.reasons
                .iter()
                .all(|r| r.feature != "same" && r.feature != "blank"),
            "{choice:?}: {:?}",
            s.reasons
        );
        // More calls, more risk, whatever else is missing.
        let mut fewer = FeatureRow::default();
        fewer.set("calls", Value::Num(0.0));
        assert!(
            model.score(&fewer).unwrap().probability < s.probability,
            "{choice:?}"
        );
    }
}
