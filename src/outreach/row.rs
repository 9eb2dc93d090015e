//! The shape every outreach model reads: a [`FeatureRow`] of named [`Value`]s, and the
//! [`FeatureDef`] that says what each name is. Rows come from a citizen's history
//! ([`mod@super::features`]) or from a table ([`super::table`]); the encoding ([`super::encode`])
//! turns either into numbers the same way for training and for serving.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether a feature is a number or a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A number (counts, days, amounts); missing values are imputed.
    Numeric,
    /// A label out of a set (a channel, a contract type); unseen values fall in `other/missing`.
    Categorical,
}

/// One feature's definition: its name, kind and meaning (for people reading reasons and cards).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureDef {
    /// Column or feature name.
    pub name: String,
    /// Numeric or categorical.
    pub kind: Kind,
    /// What it means, in English.
    pub en: String,
    /// What it means, in Italian.
    pub it: String,
}

impl FeatureDef {
    /// A definition whose meaning is its name (a column of a table).
    pub fn column(name: impl Into<String>, kind: Kind) -> Self {
        let name = name.into();
        Self {
            en: name.clone(),
            it: name.clone(),
            name,
            kind,
        }
    }
}

/// One feature's value; JSON `3.5`, `"web"` or `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// A number.
    Num(f64),
    /// A category.
    Cat(String),
    /// Not known.
    Missing,
}

impl Value {
    /// The number, if this is one and finite.
    pub fn as_num(&self) -> Option<f64> {
        match self {
            Self::Num(x) if x.is_finite() => Some(*x),
            _ => None,
        }
    }

    /// A number, or missing when `x` is `None`.
    pub fn num(x: Option<f64>) -> Self {
        x.map_or(Self::Missing, Self::Num)
    }
}

/// One citizen's (or one table row's) features by name. A name that is absent is missing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FeatureRow {
    /// The values.
    pub values: BTreeMap<String, Value>,
}

impl FeatureRow {
    /// The value of `name` ([`Value::Missing`] when absent).
    pub fn get(&self, name: &str) -> &Value {
        self.values.get(name).unwrap_or(&Value::Missing)
    }

    /// Sets `name`.
    pub fn set(&mut self, name: impl Into<String>, value: Value) {
        self.values.insert(name.into(), value);
    }
}
