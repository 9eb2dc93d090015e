//! Redaction of personal data (codice fiscale, e-mail, phone, IBAN) from text that leaves the
//! request path: logs, and stored text when the operator asks for it redacted.

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

/// Replaces personal data in `text` with `[EMAIL]`, `[IBAN]`, `[CF]`, `[PHONE]`.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for (re, tag) in PATTERNS.iter() {
        if re.is_match(&out) {
            out = Cow::Owned(re.replace_all(&out, *tag).into_owned());
        }
    }
    out
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
    fn leaves_ordinary_text_and_numbers_alone() {
        let text = "Pratica n. 12345/2025 del 12/03/2025, importo € 235,50, via Roma 12";
        assert!(matches!(redact(text), Cow::Borrowed(_)));
    }
}
