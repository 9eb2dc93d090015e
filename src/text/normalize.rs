//! Unicode normalisation and case folding, in two steps.
//!
//! 1. [`clean`] runs once on a request's text, before anything reads it (language, features,
//!    urgency signals, the stored copy): it removes what a reader does not see but a matcher does —
//!    format characters (Unicode category Cf: zero-width space and joiners, soft hyphen, BOM, word
//!    joiner, bidi controls), control characters and NUL —, folds lookalikes as NFKC does (`ｇａｓ`,
//!    `ﬁ`, `²`), and joins words spelled out letter by letter (`I N C E N D I O`, `g.a.s`). A text
//!    that still has no letter or digit after it is blank ([`has_content`]).
//! 2. [`fold`] makes the canonical form of each word: citizens write `città`, `citta'` and `CITTA`
//!    for the same word, and phones turn `’` into `'`. Features and lexicon matching see
//!    compatibility decomposition (NFKD), combining marks dropped (accents folded), lowercase, one
//!    apostrophe.

use std::borrow::Cow;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Shortest run of single letters taken for a word spelled out (`G A S`).
const MIN_SPELLED: usize = 3;
/// Letters in such a run that must not be words by themselves (`G`, `S` in `G A S`), so that
/// `i punti a e b` stays as written.
const MIN_NOT_WORDS: usize = 2;

/// The request's text as every later step reads it: format and control characters removed (line
/// breaks and tabs kept), NFKC applied, spelled-out words joined. Borrows when nothing changes,
/// which is the common case of plain printable text.
pub fn clean(text: &str) -> Cow<'_, str> {
    let plain = text
        .bytes()
        .all(|b| matches!(b, b' '..=b'~' | b'\n' | b'\r' | b'\t'));
    let stripped: Cow<'_, str> = if plain
        || (!text.chars().any(is_invisible) && is_nfkc_quick(text.chars()) == IsNormalized::Yes)
    {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(
            text.chars()
                .filter(|&c| !is_invisible(c))
                .nfkc()
                .filter(|&c| !is_invisible(c))
                .collect(),
        )
    };
    match join_spelled_out(&stripped) {
        Some(joined) => Cow::Owned(joined),
        None => stripped,
    }
}

/// Whether `text` has a letter or a digit: a text without one (only punctuation, emoji, invisible
/// characters) says nothing a model or a person could route.
pub fn has_content(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

/// A character a reader does not see but a matcher would: format (Cf), or control (Cc) other than
/// a line break or tab.
fn is_invisible(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control() && !matches!(c, '\n' | '\r' | '\t');
    }
    matches!(
        c.general_category(),
        GeneralCategory::Format | GeneralCategory::Control
    )
}

/// Letters that are words by themselves in Italian or English (`e`, `o`, `a`, `è`, `I`): a run of
/// only these is ordinary text (`e o`), not a word spelled out.
fn is_one_letter_word(c: char) -> bool {
    matches!(
        c.to_lowercase().next().unwrap_or(c),
        'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'à' | 'è' | 'é' | 'ì' | 'ò' | 'ù'
    )
}

/// `text` with each word spelled out letter by letter joined, or `None` if it has none. A spelled
/// word is a run of at least [`MIN_SPELLED`] single letters, either separated by spaces or tabs
/// (`I N C E N D I O`) or by one `.`, `-`, `_`, `*` inside one chunk (`g.a.s`, `G-A-S`), with at
/// least one letter that is not a word by itself.
fn join_spelled_out(text: &str) -> Option<String> {
    // Runs as byte ranges to collapse.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    // The current run of space-separated single letters: (start, end, letters, not words).
    let mut run: Option<(usize, usize, usize, usize)> = None;
    let close = |run: &mut Option<(usize, usize, usize, usize)>, runs: &mut Vec<_>| {
        if let Some((a, b, n, real)) = run.take()
            && n >= MIN_SPELLED
            && real >= MIN_NOT_WORDS
        {
            runs.push((a, b));
        }
    };
    let mut pos = 0;
    for chunk in text.split_inclusive(|c: char| c.is_whitespace()) {
        let start = pos;
        pos += chunk.len();
        let trimmed = chunk.trim_end_matches(|c: char| c.is_whitespace());
        let sep = &chunk[trimmed.len()..];
        // A letter, possibly followed by punctuation that ends the spelled word (`S!`).
        let word = trimmed.trim_end_matches(|c: char| !c.is_alphanumeric());
        let mut chars = word.chars();
        let single = match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_alphabetic() => Some(c),
            _ => None,
        };
        match single {
            Some(c) => {
                let end = start + word.len();
                let r = run.get_or_insert((start, end, 0, 0));
                r.1 = end;
                r.2 += 1;
                r.3 += usize::from(!is_one_letter_word(c));
                // Punctuation or a line break ends the word being spelled.
                if word.len() < trimmed.len() || sep.contains(['\n', '\r']) {
                    close(&mut run, &mut runs);
                }
            }
            None => {
                close(&mut run, &mut runs);
                if let Some((a, b)) = dotted(trimmed) {
                    runs.push((start + a, start + b));
                }
            }
        }
    }
    close(&mut run, &mut runs);
    if runs.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (a, b) in runs {
        out.push_str(&text[last..a]);
        out.extend(text[a..b].chars().filter(|c| c.is_alphabetic()));
        last = b;
    }
    out.push_str(&text[last..]);
    Some(out)
}

/// The byte range of a word spelled out inside one chunk (`g.a.s`, `G-A-S.`, `(f*u*o*c*o)`).
fn dotted(chunk: &str) -> Option<(usize, usize)> {
    let start = chunk.find(char::is_alphabetic)?;
    let end = chunk
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_alphabetic())
        .map(|(i, c)| i + c.len_utf8())?;
    let body = &chunk[start..end];
    let mut letters = 0;
    let mut real = 0;
    let mut want_letter = true;
    let mut sep = None;
    for c in body.chars() {
        if want_letter {
            if !c.is_alphabetic() {
                return None;
            }
            letters += 1;
            real += usize::from(!is_one_letter_word(c));
        } else {
            if !matches!(c, '.' | '-' | '_' | '*') || sep.is_some_and(|s| s != c) {
                return None;
            }
            sep = Some(c);
        }
        want_letter = !want_letter;
    }
    (letters >= MIN_SPELLED && real >= MIN_NOT_WORDS).then_some((start, end))
}

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
    fn cleaning_removes_what_a_reader_does_not_see() {
        assert_eq!(clean("fu\u{200b}ga di g\u{200b}a\u{200b}s"), "fuga di gas");
        assert_eq!(clean("g\u{ad}a\u{ad}s"), "gas");
        assert_eq!(
            clean("\u{feff}odore\u{2060} di gas\u{200d}"),
            "odore di gas"
        );
        assert_eq!(clean("in\u{0}cendio\u{7}"), "incendio");
        assert_eq!(clean("\u{202e}fuoco\u{202c}"), "fuoco");
        assert_eq!(clean("riga1\r\nriga2\tTARI"), "riga1\r\nriga2\tTARI");
        // NFKC folds lookalikes: fullwidth letters, ligatures, the no-break space.
        assert_eq!(clean("ｇａｓ ﬁamme\u{a0}ora"), "gas fiamme ora");
        assert!(matches!(
            clean("Buongiorno, c'è una fuga di gas."),
            Cow::Borrowed(_)
        ));
        assert!(matches!(clean(""), Cow::Borrowed(_)));
    }

    #[test]
    fn cleaning_joins_words_spelled_out() {
        assert_eq!(clean("I N C E N D I O in via Roma"), "INCENDIO in via Roma");
        assert_eq!(clean("c'è puzza di G A S!"), "c'è puzza di GAS!");
        assert_eq!(
            clean("odore di g.a.s. in cantina"),
            "odore di gas. in cantina"
        );
        assert_eq!(clean("F-U-O-C-O"), "FUOCO");
        // Ordinary one-letter words are not a spelled word, nor are runs too short or of mixed
        // separators.
        assert!(matches!(clean("e o a"), Cow::Borrowed(_)));
        assert!(matches!(clean("punto a e b"), Cow::Borrowed(_)));
        assert_eq!(clean("S.p.A. e U.S.A."), "SpA. e U.S.A.");
        assert!(matches!(clean("via G. Verdi"), Cow::Borrowed(_)));
        assert!(matches!(clean("i punti a e b"), Cow::Borrowed(_)));
        assert_eq!(clean("a.b-c"), "a.b-c");
        // A line break ends a spelled word.
        assert_eq!(clean("G A S\nx y z"), "GAS\nxyz");
    }

    #[test]
    fn blank_is_no_letter_and_no_digit() {
        for blank in [
            "",
            "  \n",
            "\u{200b}\u{200b}",
            "\u{0}",
            "🔥🔥 🚒",
            "?!... --",
            "\u{feff}",
        ] {
            assert!(!has_content(&clean(blank)), "{blank:?}");
        }
        for text in ["ok", "112", "🔥 fuoco", "città", "غاز"] {
            assert!(has_content(&clean(text)), "{text:?}");
        }
    }

    #[test]
    fn truncates_on_char_boundary() {
        assert_eq!(truncate_chars("città", 4), ("citt", true));
        assert_eq!(truncate_chars("città", 5), ("città", false));
        assert_eq!(truncate_chars("", 3), ("", false));
    }
}
