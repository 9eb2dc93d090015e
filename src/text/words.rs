//! Which words of a request carry meaning, and which stand for a person or a place.
//!
//! Two users: the evidence quoted with a topic (a supervisor must read words that explain it, not
//! «la», «un», a shape like `<date>`, or a citizen's surname) and the redaction of stored text
//! (names and street addresses are personal data too). The same rules serve both, so that what is
//! hidden from the store is never quoted in a decision either.
//!
//! Stop words come from the `stop-words` crate (NLTK's lists, which hold function words only, for
//! the six languages detected). The name introducers and the given names are ours: no crate lists
//! the titles and street words of Italian addresses or Italian given names.

use super::normalize::folded;
use super::tokenize::Tokens;
use std::collections::HashSet;
use std::sync::LazyLock;

/// What a chunk of a request stands for, when it is personal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Personal {
    /// A person's name or surname, or a title before one.
    Name,
    /// A street, square or place, its introducing word and its house number.
    Place,
}

/// Words that follow `via` without naming a street (`via email`), folded.
const NOT_A_STREET: [&str; 12] = [
    "app", "email", "e", "fax", "internet", "mail", "pec", "posta", "sms", "telefono", "web",
    "whatsapp",
];

/// Capitalised words of administrative writing that name no one (`l'Ufficio Tributi`), folded.
const INSTITUTIONAL: &str = "agenzia anagrafe asl assessore assessorato biblioteca carabinieri     carta comando comunale comune consiglio entrate ente giunta identita inps isee locale     municipale municipio polizia protezione provincia questura regione scuola servizi servizio     sindaco sociali stato suap tari tributi ufficio urp vigili";

static INSTITUTIONAL_WORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| INSTITUTIONAL.split_whitespace().collect());

/// Connectors inside a street or person's name (`via dei Mille`, `piazza San Carlo`, `De Luca`).
const CONNECTORS: [&str; 12] = [
    "d", "da", "de", "dei", "del", "della", "delle", "degli", "di", "san", "santa", "santo",
];

/// Which chunks of a tokenised text are personal: names (after a title, a capitalised given name
/// and the surname after it, a capitalised word in mid-sentence that is not an administrative
/// noun) and places (the word after `via`, `piazza`… and the capitalised words and house number
/// that follow). `text` is the text that was tokenised.
pub fn personal_chunks(tokens: &Tokens, text: &str) -> Vec<Option<Personal>> {
    let source = tokens.source(text);
    let ranges = tokens.chunk_ranges();
    // Each chunk's folded tokens back to back (`sig.ra` → `sigra`), in one buffer.
    let mut arena = String::with_capacity(source.len());
    let mut bounds = vec![(0usize, 0usize); ranges.len()];
    for i in 0..tokens.len() {
        let c = tokens.span(i).chunk as usize;
        if bounds[c].1 == 0 {
            bounds[c].0 = arena.len();
        }
        arena.push_str(tokens.text(i));
        bounds[c].1 = arena.len();
    }
    let chunks = Chunks {
        source,
        words: ranges.iter().map(|&(a, b)| &source[a..b]).collect(),
        keys: bounds
            .iter()
            .map(|&(a, b)| arena.get(a..b).unwrap_or(""))
            .collect(),
        ranges,
    };
    let mut out = vec![None; chunks.words.len()];
    let mut i = 0;
    while i < chunks.words.len() {
        i = chunks
            .mark_street(i, &mut out)
            .or_else(|| chunks.mark_name(i, &mut out))
            .unwrap_or(i + 1);
    }
    out
}

/// The chunks of a text: as written, folded, and where they are.
struct Chunks<'a> {
    source: &'a str,
    ranges: &'a [(usize, usize)],
    words: Vec<&'a str>,
    keys: Vec<&'a str>,
}

impl Chunks<'_> {
    fn capitalised(&self, i: usize) -> bool {
        is_capitalised(self.words[i])
    }

    fn has_digit(&self, i: usize) -> bool {
        self.words[i].bytes().any(|b| b.is_ascii_digit())
    }

    fn connector(&self, i: usize) -> bool {
        CONNECTORS.contains(&self.keys[i])
    }

    /// Whether a sentence ends between chunk `j - 1` and chunk `j`.
    fn sentence_break(&self, j: usize) -> bool {
        ends_sentence(&self.source[self.ranges[j - 1].1..self.ranges[j].0])
    }

    /// A street at chunk `i` (`via`, `piazza`…, then its name and a house number): marks it and
    /// returns the chunk after it.
    fn mark_street(&self, i: usize, out: &mut [Option<Personal>]) -> Option<usize> {
        let (n, next) = (self.words.len(), i + 1);
        if !is_place_word(self.keys[i]) || next >= n {
            return None;
        }
        let first = self.keys[next];
        if NOT_A_STREET.contains(&first) || (is_stop_word(first) && !self.connector(next)) {
            return None;
        }
        out[i] = Some(Personal::Place);
        // The street's name: capitalised words and connectors, or the one word after it when it
        // is written in lower case; then a house number.
        let mut j = next;
        let mut any = false;
        while j < n && !self.has_digit(j) && (self.capitalised(j) || self.connector(j) || !any) {
            if !self.connector(j) {
                any = true;
            }
            out[j] = Some(Personal::Place);
            j += 1;
            if j < n && self.sentence_break(j) {
                break;
            }
        }
        if j < n && self.has_digit(j) && self.words[j].len() <= 6 {
            out[j] = Some(Personal::Place);
            j += 1;
        }
        Some(j)
    }

    /// A name at chunk `i` (after a title, a given name, or a capitalised word mid-sentence):
    /// marks it with the surname that follows and returns the chunk after it.
    fn mark_name(&self, i: usize, out: &mut [Option<Personal>]) -> Option<usize> {
        let (n, next, key) = (self.words.len(), i + 1, self.keys[i]);
        let after_title = is_title(key)
            && next < n
            && (self.capitalised(next) || self.connector(next) || !is_stop_word(self.keys[next]));
        let given = self.capitalised(i) && is_given_name(key);
        let mid_sentence = self.capitalised(i)
            && i > 0
            && !self.sentence_break(i)
            && !is_stop_word(key)
            && !INSTITUTIONAL_WORDS.contains(key);
        if !(after_title || given || mid_sentence) {
            return None;
        }
        out[i] = Some(Personal::Name);
        let mut j = next;
        // After a title the next word is the name whatever its case (`dott. De Luca`, `signora
        // rossi`); then capitalised words (and connectors before one) go on with it.
        if after_title {
            out[j] = Some(Personal::Name);
            j += 1;
        }
        while j < n
            && j < next + 3
            && !self.sentence_break(j)
            && (self.capitalised(j) || (self.connector(j) && j + 1 < n && self.capitalised(j + 1)))
            && !INSTITUTIONAL_WORDS.contains(self.keys[j])
        {
            out[j] = Some(Personal::Name);
            j += 1;
        }
        Some(j)
    }
}

/// Languages whose function words are never evidence.
const STOP_LANGUAGES: [&str; 6] = ["it", "en", "de", "fr", "es", "pt"];

/// Folded function words of [`STOP_LANGUAGES`], and the fragments that elisions leave (`l`, `c`,
/// `dell`, `t` of `can't`).
static STOP: LazyLock<HashSet<String>> = LazyLock::new(|| {
    let mut set: HashSet<String> = STOP_LANGUAGES
        .iter()
        .filter_map(|l| stop_words::lookup(l))
        .flatten()
        .map(|w| folded(w))
        .collect();
    set.extend(
        [
            "c",
            "l",
            "d",
            "s",
            "t",
            "m",
            "n",
            "un",
            "dell",
            "all",
            "nell",
            "sull",
            "dall",
            "quest",
            "po",
            "ok",
            "pero",
            "ciao",
            "salve",
            "buongiorno",
            "buonasera",
            "grazie",
            "gentile",
            "cordiali",
            "saluti",
            "distinti",
            "prego",
            "please",
            "thanks",
            "hello",
            "hi",
            "dear",
            "vorrei",
            "volevo",
            "sapere",
            "chiedo",
            "chiedere",
            "ehm",
            "allora",
            "pronto",
            "si",
            "cosa",
            "fare",
            "ancora",
            "gia",
            "sempre",
            "mai",
            "oggi",
            "ieri",
            "domani",
            "ecco",
        ]
        .map(String::from),
    );
    set
});

/// Words after which a capitalised word names a place (`via Verdi`, `piazza Garibaldi`), folded.
const PLACE_WORDS: [&str; 18] = [
    "borgo",
    "contrada",
    "corso",
    "frazione",
    "fraz",
    "largo",
    "localita",
    "loc",
    "lungomare",
    "piazza",
    "piazzale",
    "strada",
    "traversa",
    "via",
    "viale",
    "vicolo",
    "vico",
    "street",
];

/// Titles after which a word names a person (`sig.ra Rossi`, `dott. Bianchi`), folded; the
/// abbreviations are written without their dot, which tokenising drops.
const TITLES: [&str; 28] = [
    "arch",
    "avv",
    "avvocato",
    "dott",
    "dottor",
    "dottore",
    "dottoressa",
    "dottssa",
    "geom",
    "ing",
    "ingegnere",
    "mr",
    "mrs",
    "ms",
    "prof",
    "professor",
    "professoressa",
    "rag",
    "sig",
    "sigg",
    "signor",
    "signora",
    "signore",
    "signorina",
    "sigra",
    "sra",
    "vedova",
    "ved",
];

/// Common given names in Italy (ISTAT's most frequent, and frequent ones of residents born
/// abroad), folded. A capitalised one is a person's name wherever it stands.
const GIVEN_NAMES: &str = "ada adele adriana adriano agnese agostino alba alberto alda alessandra \
    alessandro alessia alessio alfredo alice amedeo ana andrea angela angelo anna annalisa antonella \
    antonietta antonio arianna armando arturo aurora barbara beatrice benedetta bruna bruno camilla \
    carla carlo carmela carmen carmine caterina cecilia chiara christian claudia claudio concetta \
    corrado cristian cristina cristiano daniela daniele dario davide debora denis diana diego dino \
    domenico donatella edoardo elena eleonora elisa elisabetta emanuela emanuele emma enrico enzo \
    erica ernesto ettore fabio fabrizio federica federico filippo fiorella flavia franca francesca \
    francesco franco gabriele gabriella gaetano giacomo giada gianluca gianni giorgia giorgio \
    giovanna giovanni giulia giuliana giuliano giulio giuseppe giuseppina gloria graziella \
    gregorio guido ilaria irene isabella ivan ivana jacopo laura lorena lorenzo luca lucia luciana \
    luciano lucio luigi luisa manuela marcello marco margherita maria mariangela marina mario \
    marisa marta martina massimo matilde matteo mattia maurizio mauro michela michele mirko \
    mohamed monica nadia natalia nicola nicoletta noemi olga ornella paola paolo pasquale patrizia \
    pietro piero raffaele raffaella renato riccardo rita roberta roberto rocco romano rosa rosanna \
    rosaria rossana rossella salvatore samuele sandra sara serena sergio silvana silvia silvio \
    simona simone sofia stefania stefano teresa tiziana tommaso valentina valeria valerio vanessa \
    vincenzo viola virginia vittoria vittorio walter";

static GIVEN: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| GIVEN_NAMES.split_whitespace().collect());

/// Whether a folded word is a function word, a greeting or a fragment that explains nothing.
pub fn is_stop_word(folded: &str) -> bool {
    STOP.contains(folded)
}

/// Whether a folded word introduces a street or place name (`via`, `piazza`, `loc`).
pub fn is_place_word(folded: &str) -> bool {
    PLACE_WORDS.contains(&folded)
}

/// Whether a folded word is a title before a person's name (`sig`, `dott`, `signora`).
pub fn is_title(folded: &str) -> bool {
    TITLES.contains(&folded)
}

/// Whether a folded word is a common given name.
pub fn is_given_name(folded: &str) -> bool {
    GIVEN.contains(folded)
}

/// Whether a word as written is capitalised: an upper-case first letter followed by a lower-case
/// one (`Rossi`, `D'Angelo`), not an acronym (`TARI`, `ZTL`) nor a single letter.
pub fn is_capitalised(word: &str) -> bool {
    let mut letters = word.chars().filter(|c| c.is_alphabetic());
    matches!(letters.next(), Some(c) if c.is_uppercase()) && letters.any(char::is_lowercase)
}

/// Whether the text between two words ends a sentence (a full stop, `!`, `?`, `:` or a line break),
/// so that a capitalised word after it is only a sentence's first word.
pub fn ends_sentence(gap: &str) -> bool {
    gap.contains(['.', '!', '?', ':', '\n', '\r', ';'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_words_are_stop_words_and_content_words_are_not() {
        for w in [
            "la",
            "un",
            "i",
            "the",
            "di",
            "c",
            "l",
            "und",
            "grazie",
            "buongiorno",
        ] {
            assert!(is_stop_word(w), "{w}");
        }
        for w in [
            "gas",
            "tari",
            "anagrafe",
            "residence",
            "fire",
            "acqua",
            "multa",
            "buca",
        ] {
            assert!(!is_stop_word(w), "{w}");
        }
    }

    #[test]
    fn places_titles_and_names() {
        assert!(is_place_word("via") && is_place_word("piazza") && !is_place_word("gas"));
        assert!(is_title("sig") && is_title("dott") && is_title("signora") && !is_title("tari"));
        assert!(is_given_name("mario") && is_given_name("lucia") && !is_given_name("tari"));
        assert!(GIVEN_NAMES.split_whitespace().all(|n| n == folded(n)));
    }

    fn personal(text: &str) -> Vec<(String, Personal)> {
        let t = crate::text::tokenize(text);
        let source = t.source(text).to_string();
        personal_chunks(&t, text)
            .into_iter()
            .zip(t.chunk_ranges())
            .filter_map(|(p, &(a, b))| p.map(|p| (source[a..b].to_string(), p)))
            .collect()
    }

    fn names(text: &str) -> Vec<String> {
        personal(text).into_iter().map(|(w, _)| w).collect()
    }

    #[test]
    fn finds_streets_with_their_numbers() {
        assert_eq!(
            personal("c'è puzza di gas in via Verdi 3, scala B"),
            [
                ("via".to_string(), Personal::Place),
                ("Verdi".into(), Personal::Place),
                ("3".into(), Personal::Place)
            ]
        );
        assert_eq!(
            names("abito in piazza San Carlo 12/b da anni"),
            ["piazza", "San", "Carlo", "12/b"]
        );
        assert_eq!(
            names("buca enorme in viale dei Mille"),
            ["viale", "dei", "Mille"]
        );
        assert_eq!(
            names("buca in via roma 12 davanti al bar"),
            ["via", "roma", "12"]
        );
        assert_eq!(names("Abito in Via Esposito 4."), ["Via", "Esposito", "4"]);
        assert!(names("mandato via email e via pec il modulo").is_empty());
    }

    #[test]
    fn finds_people_by_title_given_name_and_capitalisation() {
        assert_eq!(names("Sono Mario Rossi, abito qui"), ["Mario", "Rossi"]);
        assert_eq!(
            names("la sig.ra Bianchi ha chiamato"),
            ["sig.ra", "Bianchi"]
        );
        assert_eq!(
            names("ho parlato con la signora rossi ieri"),
            ["signora", "rossi"]
        );
        assert_eq!(
            names("il dott. De Luca non risponde"),
            ["dott", "De", "Luca"]
        );
        assert_eq!(names("ho sentito Esposito stamattina"), ["Esposito"]);
        assert_eq!(names("Grazie, Lucia Ferraris"), ["Lucia", "Ferraris"]);
        // Sentence starts, acronyms and administrative nouns are not names.
        assert!(names("Buongiorno. Devo pagare la TARI all'Ufficio Tributi del Comune").is_empty());
        assert!(names("Vorrei sapere gli orari dell'anagrafe").is_empty());
    }

    #[test]
    fn capitalisation_tells_names_from_acronyms() {
        assert!(is_capitalised("Esposito") && is_capitalised("D'Angelo"));
        assert!(!is_capitalised("TARI") && !is_capitalised("ztl") && !is_capitalised("A"));
        assert!(ends_sentence(". ") && ends_sentence("\n") && !ends_sentence(", "));
    }
}
