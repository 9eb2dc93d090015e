//! Unicode normalisation and case folding.
//!
//! Citizens write `città`, `citta'` and `CITTA` for the same word, and phones turn `’` into `'`.
//! Everything downstream (features, lexicon matching) sees one canonical form: compatibility
//! decomposition (NFKD), combining marks dropped (so accents are folded), lowercase, one apostrophe.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Characters people and word processors use for an apostrophe or an accent written after a vowel.
fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | 'ʼ' | '`' | '´' | '′')
}

/// Folds `text` into its canonical form: NFKD, accents removed, lowercase, apostrophes unified to `'`.
///
/// ASCII input (most requests once accents are typed as apostrophes) takes a fast path.
pub fn fold(text: &str, out: &mut String) {
    out.clear();
    fold_append(text, out);
}

/// Like [`fold`], but appends to `out` instead of replacing it.
pub fn fold_append(text: &str, out: &mut String) {
    if text.is_ascii() {
        out.extend(text.bytes().map(|b| {
            if b == b'`' {
                '\''
            } else {
                b.to_ascii_lowercase() as char
            }
        }));
        return;
    }
    for c in text.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        if is_apostrophe(c) {
            out.push('\'');
        } else if c.is_uppercase() {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
}

/// Convenience wrapper around [`fold`] that allocates.
pub fn folded(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    fold(text, &mut s);
    s
}

/// Truncates `text` to at most `max_chars` characters on a char boundary; says whether it cut.
pub fn truncate_chars(text: &str, max_chars: usize) -> (&str, bool) {
    match text.char_indices().nth(max_chars) {
        Some((byte, _)) => (&text[..byte], true),
        None => (text, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_case_and_apostrophes() {
        assert_eq!(folded("Città PERCHÉ c’è"), "citta perche c'e");
        assert_eq!(folded("Straße Ärger façade"), "straße arger facade");
        assert_eq!(folded("ﬁle ＡＢＣ"), "file abc");
        assert_eq!(folded("PlAiN ascii `x`"), "plain ascii 'x'");
    }

    #[test]
    fn truncates_on_char_boundary() {
        assert_eq!(truncate_chars("città", 4), ("citt", true));
        assert_eq!(truncate_chars("città", 5), ("città", false));
        assert_eq!(truncate_chars("", 3), ("", false));
    }
}
