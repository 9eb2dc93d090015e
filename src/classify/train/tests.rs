use super::*;

#[test]
fn holdout_is_stratified_and_disjoint() {
    let y: Vec<u32> = (0..100)
        .map(|i| if i < 80 { 0 } else { 1 })
        .chain([2])
        .collect();
    let folds = stratified_folds(&y, 3, Validation::Holdout(0.25), 1);
    let (train, val) = &folds[0];
    assert_eq!(val.iter().filter(|&&i| y[i] == 0).count(), 20);
    assert_eq!(val.iter().filter(|&&i| y[i] == 1).count(), 5);
    assert!(train.contains(&100), "a singleton class stays in training");
    assert_eq!(train.len() + val.len(), 101);
    assert!(val.iter().all(|i| !train.contains(i)));
}

#[test]
fn kfold_covers_every_example_once() {
    let y: Vec<u32> = (0..30).map(|i| i % 3).collect();
    let folds = stratified_folds(&y, 3, Validation::KFold(5), 2);
    let mut seen: Vec<usize> = folds.iter().flat_map(|(_, v)| v.clone()).collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..30).collect::<Vec<_>>());
}

#[test]
fn temperature_undoes_overconfidence() {
    // Logits scaled ×4 from calibrated ones whose top class is right 75 % of the time.
    let base = [(3f32).ln(), 0.0];
    let logits: Vec<Vec<f32>> = (0..400)
        .map(|_| base.iter().map(|v| v * 4.0).collect())
        .collect();
    let y: Vec<u32> = (0..400).map(|i| u32::from(i % 4 == 0)).collect();
    let t = fit_temperature(&logits, &y);
    assert!((t - 4.0).abs() < 0.05, "temperature {t}");
}

#[test]
fn threshold_rejects_where_answers_are_mostly_wrong() {
    // Confident answers right, unsure ones (p < 0.4) wrong.
    let mut probs = Vec::new();
    let mut y = Vec::new();
    for i in 0..100 {
        probs.push(if i < 70 {
            vec![0.9, 0.09, 0.01]
        } else {
            vec![0.35, 0.33, 0.32]
        });
        y.push(if i < 70 { 0 } else { 2 });
    }
    let t = pick_threshold(&probs, &y, None, 0.5);
    assert!(t > 0.35 && t < 0.9, "threshold {t}");
    assert_eq!(decide(&[0.3, 0.69, 0.01], t, None), Some(1));
    assert_eq!(decide(&[0.35, 0.34, 0.31], t, None), None);
}

#[test]
fn params_are_checked() {
    assert!(TrainParams::default().check().is_ok());
    assert!(TrainParams::default().c(0.0).check().is_err());
    assert!(
        TrainParams::default()
            .validation(Validation::KFold(1))
            .check()
            .is_err()
    );
    assert!(
        TrainParams::default()
            .validation(Validation::Holdout(0.9))
            .check()
            .is_err()
    );
}
