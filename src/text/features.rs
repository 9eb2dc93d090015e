//! Hashed word and character n-grams, TF-IDF weights and L2 normalisation, sparse end to end.
//!
//! Every n-gram is hashed (xxh3, a specified and stable algorithm) to a 32-bit key, so no vocabulary
//! of strings is kept; training then keeps only the keys seen in at least `min_df` documents, each
//! with a row index and its IDF. A text becomes a [`SparseVec`] of `(row, weight)` pairs: a few
//! hundred entries, never a dense 2^32-wide row.
//!
//! Features, as in the scikit-learn baseline this replaces (word 1–2-grams + `char_wb` 2–5-grams):
//! word unigrams and bigrams over all tokens (block 0), character n-grams inside each word padded
//! with a space on each side (block 1). Each block is L2-normalised on its own, then the two are
//! concatenated, as a `FeatureUnion` of two `TfidfVectorizer`s would be.
//!
//! Written by hand: no crate offers hashed char_wb n-grams with a learned IDF on sparse vectors.

use super::normalize::truncate_chars;
use super::tokenize::{TokenKind, Tokens, tokenize_into};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use xxhash_rust::xxh3::xxh3_64_with_seed;

const SEED_WORD: u64 = 0x1a57_2ada_0001;
const SEED_BIGRAM: u64 = 0x1a57_2ada_0002;
const SEED_CHAR: u64 = 0x1a57_2ada_0003;

/// Marks an origin as a bigram starting at the token index in the low bits.
pub const BIGRAM: u32 = 1 << 31;

/// How a text is turned into features. Stored in every model manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeatureConfig {
    /// Longest word n-gram (1 or 2). Default 2.
    pub word_ngram_max: u8,
    /// Shortest character n-gram; 0 turns character n-grams off. Default 2.
    pub char_ngram_min: u8,
    /// Longest character n-gram. Default 5.
    pub char_ngram_max: u8,
    /// Use `1 + ln(tf)` instead of raw counts. Default true.
    pub sublinear_tf: bool,
    /// Weight of the character block relative to the word block after normalisation. Default 1.0.
    pub char_weight: f32,
    /// Texts longer than this many characters are truncated (and the prediction says so). Default 10,000.
    pub max_chars: usize,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        Self {
            word_ngram_max: 2,
            char_ngram_min: 2,
            char_ngram_max: 5,
            sublinear_tf: true,
            char_weight: 1.0,
            max_chars: 10_000,
        }
    }
}

/// A feature configuration that cannot work.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FeatureConfigError {
    /// Word n-grams must be 1 or 2 long.
    #[error("word_ngram_max must be 1 or 2, not {0}")]
    WordNgrams(u8),
    /// Character n-gram range is empty or too long.
    #[error(
        "character n-grams must satisfy 1 <= min <= max <= 8 (or min = 0 for none), not {min}..={max}"
    )]
    CharNgrams {
        /// Shortest.
        min: u8,
        /// Longest.
        max: u8,
    },
    /// A zero or negative weight.
    #[error("char_weight must be positive and finite, not {0}")]
    CharWeight(f32),
    /// max_chars of zero.
    #[error("max_chars must be at least 1")]
    MaxChars,
}

impl FeatureConfig {
    /// Checks that the configuration is usable.
    pub fn check(&self) -> Result<(), FeatureConfigError> {
        if !(1..=2).contains(&self.word_ngram_max) {
            return Err(FeatureConfigError::WordNgrams(self.word_ngram_max));
        }
        let (min, max) = (self.char_ngram_min, self.char_ngram_max);
        if min != 0 && !(min <= max && max <= 8) {
            return Err(FeatureConfigError::CharNgrams { min, max });
        }
        if !(self.char_weight.is_finite() && self.char_weight > 0.0) {
            return Err(FeatureConfigError::CharWeight(self.char_weight));
        }
        if self.max_chars == 0 {
            return Err(FeatureConfigError::MaxChars);
        }
        Ok(())
    }
}

/// The keys are already uniform hashes: hashing them again would only cost time.
#[derive(Default, Clone, Copy)]
pub struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u32(&mut self, n: u32) {
        // Spread the 32-bit hash over 64 bits so hashbrown's top-7-bit control bytes vary.
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Map from feature key to row, with the identity hasher.
pub type KeyMap = HashMap<u32, u32, BuildHasherDefault<IdentityHasher>>;

/// Calls `f(key, block, origin)` for every n-gram occurrence in `tokens`.
///
/// `origin` is the token index, with [`BIGRAM`] set for a bigram that starts there.
pub fn for_each_key(tokens: &Tokens, cfg: &FeatureConfig, mut f: impl FnMut(u32, u8, u32)) {
    let mut prev: Option<u64> = None;
    let mut codes: Vec<u32> = Vec::new();
    for (i, (text, kind)) in tokens.iter().enumerate() {
        let h = xxh3_64_with_seed(text.as_bytes(), SEED_WORD);
        f(h as u32, 0, i as u32);
        if cfg.word_ngram_max >= 2 {
            if let Some(p) = prev {
                let mut pair = [0u8; 16];
                pair[..8].copy_from_slice(&p.to_le_bytes());
                pair[8..].copy_from_slice(&h.to_le_bytes());
                f(
                    xxh3_64_with_seed(&pair, SEED_BIGRAM) as u32,
                    0,
                    (i as u32 - 1) | BIGRAM,
                );
            }
            prev = Some(h);
        }
        if cfg.char_ngram_min == 0 || kind != TokenKind::Word {
            continue;
        }
        codes.clear();
        codes.push(u32::from(b' '));
        codes.extend(text.chars().map(u32::from));
        codes.push(u32::from(b' '));
        char_ngrams(&codes, cfg, i as u32, &mut f);
    }
}

/// Character n-grams of one padded word (as code points).
///
/// Hashed incrementally: from each start, FNV-1a over code points extends the n-gram by one
/// character per step and every length in range is emitted through the murmur3 finaliser, so a
/// word costs one multiply per n-gram instead of one full hash call per n-gram (featurisation is
/// most of a prediction's time). Written by hand: no crate hashes all n-grams of a string this way.
fn char_ngrams(codes: &[u32], cfg: &FeatureConfig, origin: u32, f: &mut impl FnMut(u32, u8, u32)) {
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
    let (min, max) = (cfg.char_ngram_min as usize, cfg.char_ngram_max as usize);
    for s in 0..codes.len() {
        let mut h = SEED_CHAR;
        for (n, &c) in codes[s..].iter().take(max).enumerate() {
            h = (h ^ u64::from(c)).wrapping_mul(FNV_PRIME);
            if n + 1 >= min {
                f(fmix64(h ^ (n as u64 + 1)) as u32, 1, origin);
            }
        }
    }
}

/// murmur3's 64-bit finaliser: spreads every input bit over the output.
#[inline]
fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

/// A sparse feature vector: parallel row indices and values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVec {
    /// Rows of the model's feature space, each at most once.
    pub idx: Vec<u32>,
    /// Weights, same length as `idx`.
    pub val: Vec<f32>,
}

impl SparseVec {
    /// Number of non-zero entries.
    pub fn nnz(&self) -> usize {
        self.idx.len()
    }
}

/// The learned part of the vectoriser: which keys are features, their IDF and block.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    rows: KeyMap,
    /// Row → key, sorted ascending (the order of rows).
    pub keys: Vec<u32>,
    /// Row → inverse document frequency.
    pub idf: Vec<f32>,
    /// Row → block (0 words, 1 characters).
    pub blocks: Vec<u8>,
}

impl Vocabulary {
    /// Rebuilds a vocabulary from its stored columns (all the same length).
    pub fn from_parts(keys: Vec<u32>, idf: Vec<f32>, blocks: Vec<u8>) -> Self {
        let rows = keys
            .iter()
            .enumerate()
            .map(|(r, &k)| (k, r as u32))
            .collect();
        Self {
            rows,
            keys,
            idf,
            blocks,
        }
    }

    /// Number of features (rows).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when no feature was kept.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The row of `key`, if it is a feature.
    #[inline]
    pub fn row(&self, key: u32) -> Option<u32> {
        self.rows.get(&key).copied()
    }
}

/// Per-thread buffers for [`Vectorizer::transform_into`], so that a prediction allocates nothing.
#[derive(Debug, Default)]
pub struct Scratch {
    /// Tokens of the last text.
    pub tokens: Tokens,
    /// `(position in the output vector, origin)` of every occurrence kept, for explanations.
    pub occurrences: Vec<(u32, u32)>,
    /// Term counts by row; only the rows in the output are non-zero between calls.
    tf: Vec<f32>,
    /// Row → position in the output vector, valid only for rows of the current text.
    pos: Vec<u32>,
}

/// Text → [`SparseVec`], with the configuration and the learned vocabulary.
#[derive(Debug, Clone)]
pub struct Vectorizer {
    /// How n-grams are made.
    pub config: FeatureConfig,
    /// Which n-grams are features, with their IDF.
    pub vocab: Vocabulary,
}

impl Vectorizer {
    /// Learns the vocabulary and IDF from `docs`, keeping keys found in at least `min_df` documents.
    ///
    /// IDF is scikit-learn's smoothed `ln((1 + n) / (1 + df)) + 1`.
    pub fn fit<S: AsRef<str> + Sync>(config: FeatureConfig, docs: &[S], min_df: u32) -> Self {
        use rayon::prelude::*;
        let per_doc: Vec<Vec<(u32, u8)>> = docs
            .par_iter()
            .map_init(Tokens::default, |tokens, d| {
                let (text, _) = truncate_chars(d.as_ref(), config.max_chars);
                tokenize_into(text, tokens);
                let mut keys = Vec::new();
                for_each_key(tokens, &config, |k, b, _| keys.push((k, b)));
                keys.sort_unstable();
                keys.dedup_by_key(|kb| kb.0);
                keys
            })
            .collect();
        let mut df: HashMap<u32, (u32, u8)> = HashMap::new();
        for keys in &per_doc {
            for &(k, b) in keys {
                df.entry(k).or_insert((0, b)).0 += 1;
            }
        }
        let mut kept: Vec<(u32, u32, u8)> = df
            .into_iter()
            .filter(|(_, (n, _))| *n >= min_df.max(1))
            .map(|(k, (n, b))| (k, n, b))
            .collect();
        kept.sort_unstable_by_key(|x| x.0);
        let n = docs.len() as f32;
        let keys = kept.iter().map(|x| x.0).collect();
        let idf = kept
            .iter()
            .map(|x| ((1.0 + n) / (1.0 + x.1 as f32)).ln() + 1.0)
            .collect();
        let blocks = kept.iter().map(|x| x.2).collect();
        Self {
            config,
            vocab: Vocabulary::from_parts(keys, idf, blocks),
        }
    }

    /// Turns `text` into a TF-IDF vector; returns whether the text was truncated.
    ///
    /// `scratch.occurrences` is filled too, for [`Self`]'s callers that explain a prediction.
    pub fn transform_into(&self, text: &str, scratch: &mut Scratch, out: &mut SparseVec) -> bool {
        out.idx.clear();
        out.val.clear();
        scratch.occurrences.clear();
        let (text, truncated) = truncate_chars(text, self.config.max_chars);
        tokenize_into(text, &mut scratch.tokens);
        if scratch.tf.len() < self.vocab.len() {
            scratch.tf.resize(self.vocab.len(), 0.0);
            scratch.pos.resize(self.vocab.len(), 0);
        }
        let (tf, pos, occ) = (&mut scratch.tf, &mut scratch.pos, &mut scratch.occurrences);
        for_each_key(&scratch.tokens, &self.config, |key, _, origin| {
            if let Some(row) = self.vocab.row(key) {
                let r = row as usize;
                if tf[r] == 0.0 {
                    pos[r] = out.idx.len() as u32;
                    out.idx.push(row);
                }
                tf[r] += 1.0;
                occ.push((pos[r], origin));
            }
        });
        let mut sq = [0.0f32; 2];
        for &row in &out.idx {
            let r = row as usize;
            let count = std::mem::take(&mut tf[r]);
            let t = if self.config.sublinear_tf {
                1.0 + count.ln()
            } else {
                count
            };
            let v = t * self.vocab.idf[r];
            sq[self.vocab.blocks[r] as usize & 1] += v * v;
            out.val.push(v);
        }
        let scale = [
            if sq[0] > 0.0 {
                sq[0].sqrt().recip()
            } else {
                0.0
            },
            if sq[1] > 0.0 {
                self.config.char_weight / sq[1].sqrt()
            } else {
                0.0
            },
        ];
        for (v, &row) in out.val.iter_mut().zip(&out.idx) {
            *v *= scale[self.vocab.blocks[row as usize] as usize & 1];
        }
        truncated
    }

    /// True when `other` turns every text into the same vector (same configuration and vocabulary),
    /// so that one featurisation can serve both models.
    pub fn same_as(&self, other: &Vectorizer) -> bool {
        self.config == other.config
            && self.vocab.keys == other.vocab.keys
            && self.vocab.idf == other.vocab.idf
            && self.vocab.blocks == other.vocab.blocks
    }

    /// Allocating convenience around [`Self::transform_into`].
    pub fn transform(&self, text: &str) -> SparseVec {
        let mut out = SparseVec::default();
        self.transform_into(text, &mut Scratch::default(), &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn fitted(docs: &[&str]) -> Vectorizer {
        Vectorizer::fit(FeatureConfig::default(), docs, 1)
    }

    #[test]
    fn blocks_are_unit_length() {
        let v = fitted(&[
            "carta d'identità scaduta",
            "pagare la tari",
            "buca in strada",
        ]);
        let x = v.transform("la carta d'identità è scaduta");
        let mut sq = [0.0f32; 2];
        for (&r, &val) in x.idx.iter().zip(&x.val) {
            sq[v.vocab.blocks[r as usize] as usize] += val * val;
        }
        assert_relative_eq!(sq[0], 1.0, epsilon = 1e-5);
        assert_relative_eq!(sq[1], 1.0, epsilon = 1e-5);
    }

    #[test]
    fn same_as_needs_the_same_blocks() {
        // Found by fuzz/fuzz_targets/model_load.rs: a bundle shared the topic model's features
        // with an urgency model whose rows were normalised in other blocks.
        let v = fitted(&["carta d'identità scaduta", "pagare la tari"]);
        let mut other = v.clone();
        assert!(v.same_as(&other));
        other.vocab.blocks.fill(0);
        assert_ne!(
            v.transform("carta scaduta"),
            other.transform("carta scaduta")
        );
        assert!(!v.same_as(&other));
    }

    #[test]
    fn rows_are_unique_and_unseen_text_is_empty() {
        let v = fitted(&["tari tari tari imu", "buca"]);
        let x = v.transform("tari tari imu tari");
        let mut rows = x.idx.clone();
        rows.sort_unstable();
        rows.dedup();
        assert_eq!(rows.len(), x.idx.len());
        assert_eq!(v.transform("zzzz qqqq").nnz(), 0);
    }

    #[test]
    fn rare_terms_get_higher_idf() {
        let v = fitted(&["buca strada", "buca marciapiede", "buca lampione"]);
        let key = |w: &str| xxh3_64_with_seed(w.as_bytes(), SEED_WORD) as u32;
        let idf = |w: &str| v.vocab.idf[v.vocab.row(key(w)).unwrap() as usize];
        assert!(idf("strada") > idf("buca"));
        assert_relative_eq!(idf("buca"), 1.0, epsilon = 1e-6);
    }

    #[test]
    fn min_df_drops_rare_keys() {
        let all = fitted(&["alfa beta", "alfa gamma"]);
        let common = Vectorizer::fit(FeatureConfig::default(), &["alfa beta", "alfa gamma"], 2);
        assert!(common.vocab.len() < all.vocab.len());
        assert!(!common.vocab.is_empty());
    }

    #[test]
    fn accents_do_not_change_features() {
        let v = fitted(&["perché la città"]);
        assert_eq!(
            v.transform("perche' la citta'"),
            v.transform("Perché la Città")
        );
    }

    #[test]
    fn scratch_is_reusable() {
        let v = fitted(&["uno due tre", "quattro cinque"]);
        let (mut s, mut a, mut b) = (
            Scratch::default(),
            SparseVec::default(),
            SparseVec::default(),
        );
        v.transform_into("uno due", &mut s, &mut a);
        v.transform_into("quattro", &mut s, &mut b);
        v.transform_into("uno due", &mut s, &mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn config_is_checked() {
        assert!(FeatureConfig::default().check().is_ok());
        let bad = FeatureConfig {
            char_ngram_min: 4,
            char_ngram_max: 2,
            ..Default::default()
        };
        assert!(bad.check().is_err());
        let off = FeatureConfig {
            char_ngram_min: 0,
            ..Default::default()
        };
        assert!(off.check().is_ok());
    }
}
