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
        if plainly_italian(text) {
            return Language {
                code: "it",
                confidence: 1.0,
                reliable: true,
            };
        }
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

/// Italian function words that are not ordinary words of the other supported languages (so not
/// `il`, `la`, `le`, `con`, `mi`, `da`, `ma`, which French, Spanish or Portuguese share); sorted.
const ITALIAN: [&str; 81] = [
    "abbiamo",
    "ad",
    "alla",
    "anche",
    "ancora",
    "avere",
    "bene",
    "buon",
    "buonasera",
    "buongiorno",
    "che",
    "ciao",
    "comune",
    "cortesemente",
    "cosa",
    "così",
    "dalla",
    "degli",
    "dei",
    "della",
    "delle",
    "dello",
    "devo",
    "di",
    "domani",
    "dopo",
    "ed",
    "essere",
    "fare",
    "fatta",
    "fatto",
    "gentile",
    "già",
    "gli",
    "grazie",
    "hanno",
    "ho",
    "ieri",
    "lo",
    "mia",
    "mio",
    "molto",
    "nel",
    "nella",
    "nessuno",
    "niente",
    "nostra",
    "nostro",
    "oggi",
    "ogni",
    "per",
    "perche",
    "perché",
    "più",
    "posso",
    "pronto",
    "può",
    "quella",
    "quello",
    "questa",
    "questi",
    "questo",
    "richiesta",
    "salve",
    "sapere",
    "sempre",
    "siamo",
    "siete",
    "sig",
    "sono",
    "sportello",
    "stato",
    "sul",
    "sulla",
    "tutti",
    "ufficio",
    "volevo",
    "vorrei",
    "vostra",
    "vostro",
    "è",
];

/// Words of English, German, French, Spanish or Portuguese that Italian does not use; sorted.
const FOREIGN: [&str; 90] = [
    "and", "ao", "are", "au", "auf", "avec", "bitte", "bonjour", "danke", "dans", "das", "dem",
    "den", "der", "des", "du", "ein", "eine", "el", "em", "es", "estoy", "et", "eu", "for", "für",
    "gracias", "have", "hay", "hello", "hola", "ich", "is", "ist", "it", "j", "je", "las", "les",
    "los", "mein", "meu", "minha", "mit", "mon", "muito", "muy", "my", "mí", "mía", "nicht", "not",
    "nous", "não", "obrigada", "obrigado", "of", "olá", "os", "para", "pas", "pero", "please",
    "por", "que", "sie", "sont", "sí", "tengo", "tenho", "that", "the", "this", "to", "uma", "und",
    "une", "usted", "você", "vous", "was", "we", "wir", "with", "y", "yo", "you", "your", "zu",
    "é",
];

/// True when `text` has at least two different [`ITALIAN`] words and no [`FOREIGN`] one: then it is
/// Italian without asking whatlang, whose trigram scoring is the costliest step of routing a request
/// (tens of microseconds) and agrees on such texts.
fn plainly_italian(text: &str) -> bool {
    let mut seen = 0u128;
    let mut lower = String::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() || word.len() > 12 {
            continue;
        }
        lower.clear();
        lower.extend(word.chars().flat_map(char::to_lowercase));
        if FOREIGN.binary_search(&lower.as_str()).is_ok() {
            return false;
        }
        if let Ok(i) = ITALIAN.binary_search(&lower.as_str()) {
            seen |= 1 << i;
        }
    }
    seen.count_ones() >= 2
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
    fn the_italian_shortcut_agrees_with_whatlang_and_steps_aside_for_other_languages() {
        assert!(ITALIAN.is_sorted() && FOREIGN.is_sorted() && ITALIAN.len() <= 128);
        assert!(ITALIAN.iter().all(|w| FOREIGN.binary_search(w).is_err()));
        let d = LanguageDetector::default();
        for text in [
            "Buongiorno, ho ricevuto l'avviso TARI ma l'importo è sbagliato, grazie",
            "pronto sì buongiorno ehm volevo sapere per la carta d'identità di mia figlia",
        ] {
            assert!(plainly_italian(text), "{text}");
            assert_eq!(d.detector.detect(text).map(|i| i.lang()), Some(Lang::Ita));
        }
        for (text, code) in [
            (
                "Hello, I have a problem with the TARI bill for my flat in via Roma, grazie",
                "en",
            ),
            (
                "Il est tard et je ne trouve pas la carte d'identité de ma fille",
                "fr",
            ),
            (
                "Hola, tengo un problema con la tasa de basura de mi casa, gracias",
                "es",
            ),
            (
                "Ich habe eine Frage zur Müllabfuhr in der Via Roma, danke",
                "de",
            ),
        ] {
            assert!(!plainly_italian(text), "{text}");
            assert_eq!(d.detect(text).code, code, "{text}");
        }
        assert!(!plainly_italian("TARI 2026"), "too little to tell");
    }

    #[test]
    fn short_or_empty_text_falls_back() {
        let d = LanguageDetector::new("it");
        let l = d.detect("");
        assert_eq!((l.code, l.reliable), ("it", false));
        assert_eq!(LanguageDetector::new("xx").detect("").code, "it");
    }
}
