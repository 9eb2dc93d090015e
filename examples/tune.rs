use instrada::classify::dataset::{DataSpec, load};
use instrada::classify::eval::{UNKNOWN, evaluate};
use instrada::classify::train::*;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let c: f32 = args.get(1).map_or(20.0, |s| s.parse().unwrap());
    let epochs: u32 = args.get(2).map_or(12, |s| s.parse().unwrap());
    let lr: f32 = args.get(3).map_or(0.8, |s| s.parse().unwrap());
    let mut spec = DataSpec::new("../shared/data/intents/clinc150/train.csv");
    spec.label_col = Some("label".into());
    let train = load(&spec).unwrap();
    let mut vspec = spec.clone();
    vspec.path = "../shared/data/intents/clinc150/val.csv".into();
    let val = load(&vspec).unwrap();
    let t0 = std::time::Instant::now();
    let p = TrainParams::default()
        .c(c)
        .epochs(epochs)
        .learning_rate(lr)
        .oos_label(Some("oos".into()))
        .validation(Validation::Holdout(0.1))
        .check()
        .unwrap();
    let tr = p.fit(&train.examples, &|_, _, _| {}).unwrap();
    println!(
        "train {:?} rows {} T {} thr {} internal val acc {:.4} argmax {:.4}",
        t0.elapsed(),
        tr.model.vectorizer.vocab.len(),
        tr.model.temperature,
        tr.unknown_threshold,
        tr.validation.accuracy,
        tr.validation_argmax_accuracy
    );
    let gold: Vec<String> = val.examples.iter().map(|e| e.label.clone()).collect();
    for thr in [
        0.0,
        0.1,
        0.2,
        0.25,
        0.3,
        0.35,
        0.4,
        0.5,
        tr.unknown_threshold,
    ] {
        let pred: Vec<String> = val
            .examples
            .iter()
            .map(|e| {
                let (p, _) = tr.model.probabilities(&e.text);
                decide(&p, thr, tr.oos_class).map_or(UNKNOWN.into(), |c| tr.model.labels[c].clone())
            })
            .collect();
        let r = evaluate(&gold, &pred, Some("oos"));
        println!(
            "thr {thr:.3}: in-scope {:.4} oos recall {:.3} acc {:.4}",
            r.in_scope_accuracy.unwrap(),
            r.oos_recall.unwrap(),
            r.accuracy
        );
    }
}
