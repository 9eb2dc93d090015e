//! Redaction of personal data (codice fiscale, e-mail, phone, IBAN, people's names, street
//! addresses) from text that leaves the request path: logs, feedback notes, and stored text when the
//! operator asks for it redacted.
//!
//! Codes and numbers are found by pattern; names and addresses by the rules of
//! [`super::words::personal_chunks`] (titles, given names, capitalisation, `via`/`piazza` and a
//! house number), the same ones that keep them out of a decision's evidence.

use super::words::{Personal, personal_chunks};
use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

/// Patterns in the order they are applied (IBAN before phone, so its digits are not a phone).
static PATTERNS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    let p = |re: &str, tag| {
        (
            Regex::new(re).expect("PII patterns are constants and compile"),
            tag,
        )
    };
    vec![
        p(r"(?i)\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b", "[EMAIL]"),
        p(r"(?i)\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b", "[IBAN]"),
        p(
            r"(?i)\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPR-T][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\b",
            "[CF]",
        ),
        p(r"(?:\+|\b00)\d{1,3}[ .-]?(?:\d[ .-]?){6,11}\d\b", "[PHONE]"),
        p(
            r"\b(?:3\d{2}|0\d{1,3})[ .-]?\d{3}[ .-]?\d{3,4}\b",
            "[PHONE]",
        ),
        p(r"\b3\d{2}[ .-]?\d{6,7}\b", "[PHONE]"),
    ]
});

/// Replaces personal data in `text` with `[EMAIL]`, `[IBAN]`, `[CF]`, `[PHONE]`, `[NAME]` and
/// `[ADDRESS]`; invisible characters are removed on the way (see [`super::normalize::clean`]).
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for (re, tag) in PATTERNS.iter() {
        if re.is_match(&out) {
            out = Cow::Owned(re.replace_all(&out, *tag).into_owned());
        }
    }
    match redact_people_and_places(&out) {
        Some(redacted) => Cow::Owned(redacted),
        None => out,
    }
}

/// `text` with names and addresses replaced, one tag for a run of words of the same kind, or
/// `None` when it has none.
fn redact_people_and_places(text: &str) -> Option<String> {
    let tokens = super::tokenize(text);
    let personal = personal_chunks(&tokens, text);
    if personal.iter().all(Option::is_none) {
        return None;
    }
    let source = tokens.source(text);
    let ranges = tokens.chunk_ranges();
    let mut out = String::with_capacity(source.len());
    let mut last = 0;
    let mut i = 0;
    while i < ranges.len() {
        let Some(kind) = personal[i] else {
            i += 1;
            continue;
        };
        let start = ranges[i].0;
        let mut end = ranges[i].1;
        // Words of one kind separated only by spaces or an abbreviation's dot (`dott. Rossi`),
        // not by a comma, are one name or address.
        while i + 1 < ranges.len()
            && personal[i + 1] == Some(kind)
            && matches!(source[end..ranges[i + 1].0].trim(), "" | ".")
        {
            i += 1;
            end = ranges[i].1;
        }
        out.push_str(&source[last..start]);
        out.push_str(match kind {
            Personal::Name => "[NAME]",
            Personal::Place => "[ADDRESS]",
        });
        last = end;
        i += 1;
    }
    out.push_str(&source[last..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_each_kind() {
        let text = "Sono RSSMRA80A01H501U, scrivete a mario.rossi@example.it o chiamate il \
                    +39 333 1234567 o lo 0131 123456; IBAN IT60X0542811101000000123456.";
        let r = redact(text);
        assert_eq!(
            r,
            "Sono [CF], scrivete a [EMAIL] o chiamate il [PHONE] o lo [PHONE]; IBAN [IBAN]."
        );
    }

    #[test]
    fn spaced_iban_and_mobile_without_spaces() {
        assert_eq!(redact("IT60 X054 2811 1010 0000 0123 456"), "[IBAN]");
        assert_eq!(redact("cell 3331234567"), "cell [PHONE]");
    }

    #[test]
    fn redacts_names_and_street_addresses() {
        assert_eq!(
            redact("Sono Mario Rossi e abito in via Esposito 4, scala B. Grazie"),
            "Sono [NAME] e abito in [ADDRESS], scala B. Grazie"
        );
        assert_eq!(
            redact("la signora Rossi tel 333 1234567 chiede un appuntamento"),
            "la [NAME] tel [PHONE] chiede un appuntamento"
        );
        assert_eq!(
            redact("Ho parlato con il dott. De Luca in piazza San Carlo"),
            "Ho parlato con il [NAME] in [ADDRESS]"
        );
        assert_eq!(
            redact("buca in via roma 12 davanti al bar"),
            "buca in [ADDRESS] davanti al bar"
        );
        assert_eq!(
            redact("Cordiali saluti,\nGiulia Ferrero"),
            "Cordiali saluti,\n[NAME]"
        );
        // What names no one stays.
        let plain = "Buongiorno. Devo pagare la TARI all'Ufficio Tributi del Comune, via email";
        assert!(matches!(redact(plain), Cow::Borrowed(_)));
    }

    #[test]
    fn leaves_ordinary_text_and_numbers_alone() {
        let text = "Pratica n. 12345/2025 del 12/03/2025, importo € 235,50, scadenza a 30 giorni";
        assert!(matches!(redact(text), Cow::Borrowed(_)));
    }
}
