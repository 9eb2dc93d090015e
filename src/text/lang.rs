//! Language detection per request (whatlang, trigram-based, no model files), reported with each
//! prediction and used by routing rules.
//!
//! A guess routes a request to another desk, so only a reliable one counts: detection is restricted
//! to the languages the administration configures, a text in a script none of them uses or a guess
//! whatlang itself calls unreliable (short and mixed texts: `buca in strada`, `ok grazie`) answers the
//! administration's default language, and says so.

use super::normalize::folded;
use serde::Serialize;
use std::collections::HashMap;
use whatlang::{Detector, Lang, Script};

/// The languages detection can answer, with their ISO 639-1 codes. All are written in Latin script.
const SUPPORTED: [(Lang, &str); 6] = [
    (Lang::Ita, "it"),
    (Lang::Eng, "en"),
    (Lang::Deu, "de"),
    (Lang::Fra, "fr"),
    (Lang::Spa, "es"),
    (Lang::Por, "pt"),
];

/// Fewest words of letters a text needs before a guess of a language other than the default is
/// believed: two words tell nothing (`ticket mensa` → French).
const MIN_WORDS_FOR_OTHER: usize = 3;

/// Distinct function words of one language, and none of another, that tell the language without
/// trigrams: `I would like to…` is English, `quisiera saber cómo… el mes` Spanish. whatlang's own
/// `is_reliable` refuses most requests of one sentence, and its confidence is erratic on short ones
/// (`Bonus asilo nido` → Spanish 0.20); function words are what short texts do have.
const MIN_FUNCTION_WORDS: usize = 2;

/// A detected language.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Language {
    /// ISO 639-1 code, e.g. `it`: the detected language, or the default when detection could not
    /// tell.
    pub code: &'static str,
    /// whatlang's confidence in its best guess, 0..=1.
    pub confidence: f32,
    /// False when `code` is the default because detection could not tell.
    pub reliable: bool,
    /// Detection's best guess when it was not reliable enough to use.
    pub guess: Option<&'static str>,
    /// The script of the text, when it is not Latin (so none of the languages detected).
    pub script: Option<&'static str>,
}

/// Detects the language of requests among a configured set, falling back to the default.
#[derive(Debug)]
pub struct LanguageDetector {
    detector: Detector,
    default: &'static str,
    /// Codes detection may answer, the default among them.
    candidates: Vec<&'static str>,
    /// Folded function words (NLTK's lists) that belong to exactly one candidate language, with the
    /// index of that language in `candidates`.
    function_words: HashMap<String, usize>,
}

impl LanguageDetector {
    /// A detector answering one of `candidates` (ISO 639-1 codes; unsupported ones are ignored)
    /// or, when it cannot tell, `default` (`it` if `default` is not supported).
    pub fn new(default: &str, candidates: &[impl AsRef<str>]) -> Self {
        let code = |c: &str| SUPPORTED.iter().map(|(_, s)| *s).find(|s| *s == c);
        let default = code(default).unwrap_or("it");
        let mut allow: Vec<(Lang, &'static str)> = SUPPORTED
            .iter()
            .filter(|(_, s)| *s == default || candidates.iter().any(|c| c.as_ref() == *s))
            .copied()
            .collect();
        if allow.len() == 1 {
            // whatlang needs two languages to choose from; any answer but the default is dropped.
            allow.push(SUPPORTED[usize::from(default == "it")]);
        }
        let candidates: Vec<&'static str> = allow
            .iter()
            .map(|(_, c)| *c)
            .filter(|c| *c == default || candidates.iter().any(|x| x.as_ref() == *c))
            .collect();
        Self {
            detector: Detector::with_allowlist(allow.iter().map(|(l, _)| *l).collect()),
            default,
            function_words: distinct_function_words(&candidates),
            candidates,
        }
    }

    /// The candidate whose distinct function words the text uses most, at least
    /// [`MIN_FUNCTION_WORDS`] of them and more than of any other (`el mes`: Spanish `el`, but `mes`
    /// is also French).
    fn by_function_words(&self, text: &str) -> Option<&'static str> {
        let mut seen: Vec<(String, usize)> = Vec::new();
        for word in text.split(|c: char| !c.is_alphabetic() && c != '\'') {
            if word.is_empty() || word.len() > 12 {
                continue;
            }
            let key = folded(word);
            if let Some(&lang) = self.function_words.get(&key)
                && !seen.iter().any(|(w, _)| *w == key)
            {
                seen.push((key, lang));
            }
        }
        let mut counts = [0usize; SUPPORTED.len()];
        for (_, lang) in &seen {
            counts[*lang] += 1;
        }
        let (best, &n) = counts.iter().enumerate().max_by_key(|(_, n)| **n)?;
        let runner_up = counts
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != best)
            .map(|(_, n)| *n)
            .max()
            .unwrap_or(0);
        (n >= MIN_FUNCTION_WORDS && n > runner_up).then(|| self.candidates[best])
    }

    /// ISO 639-1 codes this detector can answer.
    pub fn supported() -> impl Iterator<Item = &'static str> {
        SUPPORTED.iter().map(|(_, c)| *c)
    }

    /// The language answered when detection cannot tell.
    pub fn default_code(&self) -> &'static str {
        self.default
    }

    /// The codes detection may answer.
    pub fn candidates(&self) -> &[&'static str] {
        &self.candidates
    }

    /// Detects the language of `text`.
    pub fn detect(&self, text: &str) -> Language {
        // whatlang's cost grows with length; 400 characters tell the language as well as more.
        let (text, _) = super::normalize::truncate_chars(text, 400);
        let fallback = |confidence, guess, script| Language {
            code: self.default,
            confidence,
            reliable: false,
            guess,
            script,
        };
        if self.candidates.contains(&"it") && plainly_italian(text) {
            return Language {
                code: "it",
                confidence: 1.0,
                reliable: true,
                guess: None,
                script: None,
            };
        }
        if !text.is_ascii()
            && let Some(script) = whatlang::detect_script(text).filter(|s| *s != Script::Latin)
        {
            // `Script::all` is static, so the name borrowed from it is too.
            let name = Script::all()
                .iter()
                .find(|s| **s == script)
                .map(Script::name);
            return fallback(0.0, None, name);
        }
        if let Some(code) = self.by_function_words(text) {
            return Language {
                code,
                confidence: 1.0,
                reliable: true,
                guess: None,
                script: None,
            };
        }
        let Some(info) = self.detector.detect(text) else {
            return fallback(0.0, None, None);
        };
        let code = SUPPORTED
            .iter()
            .find(|(l, _)| *l == info.lang())
            .map(|(_, c)| *c)
            .filter(|c| self.candidates.contains(c));
        let confidence = info.confidence() as f32;
        let words = text
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| w.chars().count() > 1)
            .count();
        match code {
            Some(code)
                if info.is_reliable() && (code == self.default || words >= MIN_WORDS_FOR_OTHER) =>
            {
                Language {
                    code,
                    confidence,
                    reliable: true,
                    guess: None,
                    script: None,
                }
            }
            Some(code) if code == self.default => fallback(confidence, None, None),
            guess => fallback(confidence, guess, None),
        }
    }
}

/// Greetings and thanks, which NLTK's lists lack and requests open and close with.
const GREETINGS: [(&str, &[&str]); 6] = [
    (
        "it",
        &[
            "grazie",
            "buongiorno",
            "buonasera",
            "salve",
            "ciao",
            "cortesemente",
            "gentile",
        ],
    ),
    (
        "en",
        &[
            "hello", "thanks", "thank", "please", "hi", "dear", "morning",
        ],
    ),
    ("de", &["hallo", "danke", "bitte", "guten", "morgen", "tag"]),
    (
        "fr",
        &["bonjour", "merci", "svp", "bonsoir", "madame", "monsieur"],
    ),
    (
        "es",
        &["hola", "gracias", "buenos", "buenas", "favor", "quisiera"],
    ),
    ("pt", &["ola", "obrigado", "obrigada", "bom", "gostaria"]),
];

/// For each candidate's NLTK function words and [`GREETINGS`], those of no other candidate, folded;
/// the apostrophe forms (`don't`) and one-letter words are left out.
fn distinct_function_words(candidates: &[&str]) -> HashMap<String, usize> {
    let lists: Vec<Vec<String>> = candidates
        .iter()
        .map(|c| {
            let greetings = GREETINGS
                .iter()
                .filter(|(l, _)| l == c)
                .flat_map(|(_, g)| *g);
            stop_words::lookup(c)
                .unwrap_or_default()
                .iter()
                .chain(greetings)
                .map(|w| folded(w))
                .filter(|w| w.chars().count() > 1 && !w.contains('\''))
                .collect()
        })
        .collect();
    let mut out = HashMap::new();
    for (i, list) in lists.iter().enumerate() {
        for w in list {
            let elsewhere = lists
                .iter()
                .enumerate()
                .any(|(j, other)| j != i && other.contains(w));
            if !elsewhere {
                out.insert(w.clone(), i);
            }
        }
    }
    out
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
    /// Italian by default, any supported language detected.
    fn default() -> Self {
        Self::new("it", &SUPPORTED.map(|(_, c)| c))
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
        let d = LanguageDetector::default();
        let l = d.detect("");
        assert_eq!((l.code, l.reliable), ("it", false));
        assert_eq!(LanguageDetector::new("xx", &["en"]).detect("").code, "it");
    }

    #[test]
    fn an_unreliable_guess_is_the_default_language_and_never_another() {
        let d = LanguageDetector::new("it", &["it", "en", "de", "fr", "es"]);
        for text in [
            "buca in strada",
            "ticket mensa",
            "Bonus asilo nido",
            "riga1\r\nriga2 TARI",
            "fuga di gas in via Roma",
            "ok grazie",
            "multa",
            "TARI 2026",
        ] {
            let l = d.detect(text);
            assert_eq!(l.code, "it", "{text}: {l:?}");
        }
        // Portuguese is not configured here: never answered, whatever the text.
        let pt = "Bom dia, gostaria de saber como posso pedir o cartão de residência para a minha família";
        assert_ne!(d.detect(pt).code, "pt");
        assert_eq!(LanguageDetector::default().detect(pt).code, "pt");
    }

    #[test]
    fn a_script_no_configured_language_uses_is_said_and_gets_the_default() {
        let d = LanguageDetector::default();
        let l = d.detect("مرحبا، أريد أن أسأل عن شهادة الإقامة لعائلتي من فضلكم");
        assert_eq!(
            (l.code, l.reliable, l.script),
            ("it", false, Some("Arabic"))
        );
        let l = d.detect("Добрий день, я хочу зареєструвати місце проживання");
        assert_eq!((l.code, l.script), ("it", Some("Cyrillic")));
    }
}
