//! Text processing shared by training and serving: normalisation, tokenisation, hashed TF-IDF
//! features, language detection and PII redaction. Nothing here knows about models or HTTP.

pub mod features;
pub mod kept;
pub mod lang;
pub mod normalize;
pub mod pii;
pub mod tokenize;
pub mod words;

pub use features::{FeatureConfig, Scratch, SparseVec, Vectorizer};
pub use kept::{StoredText, keep_note};
pub use lang::{Language, LanguageDetector};
pub use pii::redact;
pub use tokenize::{Tokens, tokenize};
