//! The languages of a policy: the default language, the languages detection may answer, and the
//! ISO 639-1 codes of queues and rules, each checked against what the detector knows.

use crate::route::config::RoutingConfig;
use crate::route::error::PolicyProblem;
use crate::text::LanguageDetector;

/// The default language and the languages detection may answer: the configured ones, or those
/// that queues and rules name; each must be one the detector knows.
pub(super) fn compile_detection(
    cfg: &RoutingConfig,
    p: &mut Vec<PolicyProblem>,
) -> (String, Vec<String>) {
    let supported = || LanguageDetector::supported().collect::<Vec<_>>().join(", ");
    let check = |place: &str, code: &str, p: &mut Vec<PolicyProblem>| {
        if !LanguageDetector::supported().any(|s| s == code) {
            p.push(PolicyProblem::UndetectableLanguage {
                place: place.to_string(),
                language: code.to_string(),
                supported: supported(),
            });
        }
    };
    let default = match cfg.default_language.as_deref() {
        None => "it".to_string(),
        Some(code) => {
            let codes =
                compile_languages(&|| "`routing.default_language`".into(), &[code.into()], p);
            let code = codes.into_iter().next().unwrap_or_else(|| "it".into());
            check("`routing.default_language`", &code, p);
            code
        }
    };
    let mut languages = if cfg.detect_languages.is_empty() {
        // Those the policy names and the detector knows: a queue may list a language (say `ar`)
        // for its operators that detection cannot tell, and callers can still send it.
        cfg.queues
            .iter()
            .flat_map(|q| &q.languages)
            .chain(cfg.rules.iter().flat_map(|r| &r.when.language))
            .map(|l| l.trim().to_ascii_lowercase())
            .filter(|l| LanguageDetector::supported().any(|s| s == l))
            .collect::<Vec<_>>()
    } else {
        let place = || "`routing.detect_languages`".to_string();
        let codes = compile_languages(&place, &cfg.detect_languages, p);
        for code in &codes {
            check(&place(), code, p);
        }
        codes
    };
    if !languages.contains(&default) {
        languages.insert(0, default.clone());
    }
    let mut seen = Vec::new();
    languages.retain(|l| {
        let new = !seen.contains(l);
        seen.push(l.clone());
        new
    });
    (default, languages)
}

/// Lowercase two-letter codes; bad ones are reported against `place` and dropped.
pub(super) fn compile_languages(
    place: &dyn Fn() -> String,
    languages: &[String],
    p: &mut Vec<PolicyProblem>,
) -> Vec<String> {
    let mut out = Vec::with_capacity(languages.len());
    for language in languages {
        let code = language.trim().to_ascii_lowercase();
        if code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase()) {
            if !out.contains(&code) {
                out.push(code);
            }
        } else {
            p.push(PolicyProblem::BadLanguage {
                place: place(),
                language: language.clone(),
            });
        }
    }
    out
}
