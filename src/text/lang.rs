//! Language detection per request (whatlang, trigram-based, no model files), reported with each
//! prediction and used by routing rules.

use serde::Serialize;
use whatlang::{Detector, Lang};

/// The languages a contact centre of an Italian administration meets most; restricting detection
/// to them makes it faster and far more accurate on short texts than the full 69-language set.
const SUPPORTED: [(Lang, &str); 6] = [
    (Lang::Ita, "it"),
    (Lang::Eng, "en"),
    (Lang::Deu, "de"),
    (Lang::Fra, "fr"),
    (Lang::Spa, "es"),
    (Lang::Por, "pt"),
];

/// A detected language.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Language {
    /// ISO 639-1 code, e.g. `it`.
    pub code: &'static str,
    /// whatlang's confidence in 0..=1.
    pub confidence: f32,
    /// False when the text was too short or ambiguous and `code` is the fallback.
    pub reliable: bool,
}

/// Detects the language of requests, falling back to a default for short or ambiguous texts.
#[derive(Debug)]
pub struct LanguageDetector {
    detector: Detector,
    fallback: &'static str,
}

impl LanguageDetector {
    /// A detector that answers `fallback` (an ISO 639-1 code among the supported ones, else `it`)
    /// when it cannot tell.
    pub fn new(fallback: &str) -> Self {
        let fallback = SUPPORTED
            .iter()
            .map(|(_, c)| *c)
            .find(|c| *c == fallback)
            .unwrap_or("it");
        Self {
            detector: Detector::with_allowlist(SUPPORTED.iter().map(|(l, _)| *l).collect()),
            fallback,
        }
    }

    /// ISO 639-1 codes this detector can answer.
    pub fn supported() -> impl Iterator<Item = &'static str> {
        SUPPORTED.iter().map(|(_, c)| *c)
    }

    /// Detects the language of `text`.
    pub fn detect(&self, text: &str) -> Language {
        // whatlang's cost grows with length; 400 characters tell the language as well as more.
        let (text, _) = super::normalize::truncate_chars(text, 400);
        match self.detector.detect(text) {
            Some(info) => {
                let code = SUPPORTED
                    .iter()
                    .find(|(l, _)| *l == info.lang())
                    .map_or(self.fallback, |(_, c)| *c);
                Language {
                    code,
                    confidence: info.confidence() as f32,
                    reliable: info.is_reliable(),
                }
            }
            None => Language {
                code: self.fallback,
                confidence: 0.0,
                reliable: false,
            },
        }
    }
}

impl Default for LanguageDetector {
    fn default() -> Self {
        Self::new("it")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_five_languages() {
        let d = LanguageDetector::default();
        let cases = [
            (
                "Buongiorno, vorrei sapere come rinnovare la carta d'identità scaduta il mese scorso",
                "it",
            ),
            (
                "Good morning, I would like to know how to renew my identity card which expired last month",
                "en",
            ),
            (
                "Guten Tag, ich möchte wissen, wie ich meinen Personalausweis erneuern kann",
                "de",
            ),
            (
                "Bonjour, je voudrais savoir comment renouveler ma carte d'identité qui a expiré",
                "fr",
            ),
            (
                "Buenos días, quisiera saber cómo renovar mi documento de identidad que caducó el mes \
                 pasado, porque necesito viajar la semana que viene y no tengo otro documento",
                "es",
            ),
        ];
        for (text, code) in cases {
            assert_eq!(d.detect(text).code, code, "{text}");
        }
    }

    #[test]
    fn short_or_empty_text_falls_back() {
        let d = LanguageDetector::new("it");
        let l = d.detect("");
        assert_eq!((l.code, l.reliable), ("it", false));
        assert_eq!(LanguageDetector::new("xx").detect("").code, "it");
    }
}
