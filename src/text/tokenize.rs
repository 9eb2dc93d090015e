//! Tokenisation for Italian first, and English, German, French and Spanish too.
//!
//! The text is cut at white space into chunks; each chunk keeps its place in the original text so that
//! explanations can quote the citizen's own words. A chunk is folded (see [`super::normalize`]) and
//! then either becomes a *shape* token (`<num>`, `<date>`, `<email>`, `<cf>` …: the value of a
//! protocol number or an e-mail address says nothing about the topic, and must not leak into
//! features) or is split at apostrophes, hyphens and other punctuation into words, so that
//! `l'anagrafe`, `dell'anagrafe` and `anagrafe` share the word `anagrafe`, and `c'è` gives `c`, `e`.
//!
//! The text is first [cleaned](super::normalize::clean) (invisible characters out, NFKC,
//! spelled-out words joined), so features and urgency signals always see the same text whatever the
//! entry point; a request already cleaned costs one scan here.

use super::normalize::{clean, fold_append};
use std::borrow::Cow;

/// What a token stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A word: gets word n-grams and character n-grams.
    Word,
    /// A placeholder for a number, date, code or personal datum: gets word n-grams only.
    Shape,
}

/// One token: a span of `Tokens::arena` and the chunk of the original text it came from.
#[derive(Debug, Clone, Copy)]
pub struct TokenSpan {
    start: u32,
    end: u32,
    /// Word or shape.
    pub kind: TokenKind,
    /// Index into [`Tokens::chunk`].
    pub chunk: u32,
}

/// The tokens of one text, in reusable buffers (tokenising allocates nothing once they are warm).
#[derive(Debug, Default, Clone)]
pub struct Tokens {
    /// Folded token text, back to back.
    arena: String,
    spans: Vec<TokenSpan>,
    /// Byte ranges of the chunks in the original text.
    chunks: Vec<(usize, usize)>,
    /// Scratch space for folding one chunk.
    scratch: String,
    /// The cleaned text, when cleaning changed it: chunks then point into this copy.
    cleaned: Option<String>,
}

impl Tokens {
    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when the text had no token at all.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The folded text of token `i`.
    pub fn text(&self, i: usize) -> &str {
        let s = self.spans[i];
        &self.arena[s.start as usize..s.end as usize]
    }

    /// The span of token `i`.
    pub fn span(&self, i: usize) -> TokenSpan {
        self.spans[i]
    }

    /// Iterates over `(folded text, kind)`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, TokenKind)> + '_ {
        self.spans
            .iter()
            .map(|s| (&self.arena[s.start as usize..s.end as usize], s.kind))
    }

    /// The text that was tokenised, as cleaned: `original` is the text passed in.
    pub fn source<'t>(&'t self, original: &'t str) -> &'t str {
        self.cleaned.as_deref().unwrap_or(original)
    }

    /// Byte ranges in [`Self::source`] of the chunks (white-space separated words, punctuation
    /// trimmed), in order; [`TokenSpan::chunk`] indexes them.
    pub fn chunk_ranges(&self) -> &[(usize, usize)] {
        &self.chunks
    }

    /// The original chunk (punctuation trimmed) that token `i` came from, as cleaned: `original`
    /// is the text that was tokenised.
    pub fn chunk<'t>(&'t self, original: &'t str, i: usize) -> &'t str {
        let (a, b) = self.chunks[self.spans[i].chunk as usize];
        &self.cleaned.as_deref().unwrap_or(original)[a..b]
    }

    fn push(&mut self, start: usize, kind: TokenKind) {
        let end = self.arena.len();
        if end > start {
            self.spans.push(TokenSpan {
                start: start as u32,
                end: end as u32,
                kind,
                chunk: (self.chunks.len() - 1) as u32,
            });
        }
    }

    fn push_shape(&mut self, shape: &str) {
        let start = self.arena.len();
        self.arena.push_str(shape);
        self.push(start, TokenKind::Shape);
    }
}

/// Tokenises `text` into `out` (cleared first).
pub fn tokenize_into(text: &str, out: &mut Tokens) {
    out.arena.clear();
    out.spans.clear();
    out.chunks.clear();
    match clean(text) {
        Cow::Borrowed(text) => {
            out.cleaned = None;
            tokenize_clean(text, out);
        }
        Cow::Owned(cleaned) => {
            tokenize_clean(&cleaned, out);
            out.cleaned = Some(cleaned);
        }
    }
}

fn tokenize_clean(text: &str, out: &mut Tokens) {
    let base = text.as_ptr() as usize;
    for raw in text.split_whitespace() {
        let chunk = raw.trim_matches(|c: char| !c.is_alphanumeric());
        if chunk.is_empty() {
            continue;
        }
        let start = chunk.as_ptr() as usize - base;
        out.chunks.push((start, start + chunk.len()));
        let mut scratch = std::mem::take(&mut out.scratch);
        scratch.clear();
        fold_append(chunk, &mut scratch);
        split_chunk(&scratch, out);
        out.scratch = scratch;
    }
}

/// Tokenises `text` into a fresh [`Tokens`].
pub fn tokenize(text: &str) -> Tokens {
    let mut t = Tokens::default();
    tokenize_into(text, &mut t);
    t
}

fn split_chunk(chunk: &str, out: &mut Tokens) {
    if let Some(shape) = whole_chunk_shape(chunk) {
        out.push_shape(shape);
        return;
    }
    for piece in chunk.split(|c: char| !c.is_alphanumeric()) {
        if piece.is_empty() {
            continue;
        }
        let has_digit = piece.chars().any(|c| c.is_numeric());
        let has_alpha = piece.chars().any(|c| c.is_alphabetic());
        match (has_alpha, has_digit) {
            (_, false) => {
                let start = out.arena.len();
                out.arena.push_str(piece);
                out.push(start, TokenKind::Word);
            }
            (false, true) => out.push_shape(number_shape(piece)),
            (true, true) => out.push_shape("<code>"),
        }
    }
}

/// Recognises chunks that stand for one thing as a whole: e-mail, URL, date, time, number, codes.
fn whole_chunk_shape(c: &str) -> Option<&'static str> {
    if let Some(at) = c.find('@')
        && at > 0
        && c[at + 1..].contains('.')
    {
        return Some("<email>");
    }
    if c.starts_with("http") && c.contains("://") || c.starts_with("www.") {
        return Some("<url>");
    }
    if !c.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    if is_date(c) {
        return Some("<date>");
    }
    if is_time(c) {
        return Some("<time>");
    }
    if c.bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
    {
        let digits = c.trim_matches(|ch| ch == '.' || ch == ',');
        return Some(number_shape(digits));
    }
    if is_codice_fiscale(c) {
        return Some("<cf>");
    }
    if is_iban(c) {
        return Some("<iban>");
    }
    None
}

fn number_shape(digits: &str) -> &'static str {
    let b = digits.as_bytes();
    if b.len() == 4 && (b.starts_with(b"19") || b.starts_with(b"20")) {
        "<year>"
    } else {
        "<num>"
    }
}

fn all_digits(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// `12/03/2025`, `1-3-25`, `2025-03-12`, `12.03.2025`.
fn is_date(c: &str) -> bool {
    let parts: Vec<&str> = c.split(['/', '-', '.']).collect();
    if parts.len() != 3 {
        return false;
    }
    (all_digits(parts[0], 1, 2) && all_digits(parts[1], 1, 2) && all_digits(parts[2], 2, 4))
        || (all_digits(parts[0], 4, 4) && all_digits(parts[1], 1, 2) && all_digits(parts[2], 1, 2))
}

/// `9:30`, `14:05`.
fn is_time(c: &str) -> bool {
    match c.split_once(':') {
        Some((h, m)) => all_digits(h, 1, 2) && all_digits(m, 2, 2),
        None => false,
    }
}

/// Italian tax code: 6 letters, then 2 digits, letter, 2 digits, letter, 3 digits, letter (digits may
/// be replaced by letters for homonyms, so only the letter positions and length are checked).
pub(crate) fn is_codice_fiscale(c: &str) -> bool {
    let b = c.as_bytes();
    b.len() == 16
        && b.iter().all(|x| x.is_ascii_alphanumeric())
        && b[..6].iter().all(|x| x.is_ascii_alphabetic())
        && b[8].is_ascii_alphabetic()
        && b[11].is_ascii_alphabetic()
        && b[15].is_ascii_alphabetic()
        && b.iter().any(|x| x.is_ascii_digit())
}

/// IBAN: country letters, two check digits, 11 to 30 alphanumerics.
fn is_iban(c: &str) -> bool {
    let b = c.as_bytes();
    (15..=34).contains(&b.len())
        && b[..2].iter().all(|x| x.is_ascii_alphabetic())
        && b[2..4].iter().all(|x| x.is_ascii_digit())
        && b.iter().all(|x| x.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokenize(text).iter().map(|(t, _)| t.to_string()).collect()
    }

    #[test]
    fn splits_italian_elisions() {
        assert_eq!(
            words("L'anagrafe dell'ufficio c'è"),
            ["l", "anagrafe", "dell", "ufficio", "c", "e"]
        );
        assert_eq!(words("dell’anagrafe"), ["dell", "anagrafe"]);
        assert_eq!(
            words("un'auto, quest'anno!"),
            ["un", "auto", "quest", "anno"]
        );
    }

    #[test]
    fn accented_and_unaccented_spellings_agree() {
        assert_eq!(words("perché la città è"), words("perche' la citta' e'"));
        assert_eq!(words("PERCHÉ"), ["perche"]);
    }

    #[test]
    fn numbers_dates_and_codes_become_shapes() {
        assert_eq!(
            words("prot. n. 12345/2025 del 12/03/2025 alle 9:30, € 235,50 nel 2024"),
            [
                "prot", "n", "<num>", "<year>", "del", "<date>", "alle", "<time>", "<num>", "nel",
                "<year>"
            ]
        );
        assert_eq!(words("targa AB123CD"), ["targa", "<code>"]);
        assert_eq!(
            words("art.22 L.241/90"),
            ["art", "<num>", "l", "<num>", "<num>"]
        );
    }

    #[test]
    fn personal_data_never_becomes_a_word() {
        let t = words(
            "scrivete a mario.rossi@example.it, CF RSSMRA80A01H501U, IBAN IT60X0542811101000000123456 https://comune.it/x",
        );
        assert_eq!(
            t,
            [
                "scrivete", "a", "<email>", "cf", "<cf>", "iban", "<iban>", "<url>"
            ]
        );
    }

    #[test]
    fn other_languages_tokenise() {
        assert_eq!(
            words("Die Straße ist gesperrt."),
            ["die", "straße", "ist", "gesperrt"]
        );
        assert_eq!(
            words("¿Dónde está l'hôtel de ville?"),
            ["donde", "esta", "l", "hotel", "de", "ville"]
        );
        assert_eq!(words("I can't log in"), ["i", "can", "t", "log", "in"]);
    }

    #[test]
    fn chunks_point_back_to_the_original_words() {
        let text = "  Ufficio dell'Anagrafe,  città! ";
        let t = tokenize(text);
        assert_eq!(t.chunk(text, 0), "Ufficio");
        assert_eq!(t.chunk(text, 2), "dell'Anagrafe");
        assert_eq!(t.chunk(text, 3), "città");
    }

    #[test]
    fn invisible_characters_and_spelled_words_do_not_split_words() {
        assert_eq!(
            words("fu\u{200b}ga di g\u{ad}a\u{ad}s"),
            ["fuga", "di", "gas"]
        );
        let text = "I N C E N D I O al Mu\u{200b}nicipio";
        let t = tokenize(text);
        assert_eq!(words(text), ["incendio", "al", "municipio"]);
        assert_eq!(t.chunk(text, 0), "INCENDIO");
        assert_eq!(t.chunk(text, 2), "Municipio");
    }

    #[test]
    fn empty_and_punctuation_only() {
        assert!(tokenize("").is_empty());
        assert!(tokenize("  ... !!! ").is_empty());
    }
}
