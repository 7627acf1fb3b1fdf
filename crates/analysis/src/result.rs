//! Typed results shared by every estimator: which estimator, its outcome, and the
//! intermediate values a reader needs to check the number by hand.

use serde::{Deserialize, Serialize};

/// The ten non-IID estimators of SP 800-90B section 6.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Estimator {
    /// Most Common Value, 6.3.1.
    Mcv,
    /// Collision, 6.3.2 (binary only).
    Collision,
    /// Markov, 6.3.3 (binary only).
    Markov,
    /// Compression, 6.3.4 (binary only).
    Compression,
    /// t-Tuple, 6.3.5.
    TTuple,
    /// Longest Repeated Substring, 6.3.6.
    Lrs,
    /// Multi Most Common in Window prediction, 6.3.7.
    MultiMcw,
    /// Lag prediction, 6.3.8.
    Lag,
    /// Multi Markov Model with Counting prediction, 6.3.9.
    MultiMmc,
    /// LZ78Y prediction, 6.3.10.
    Lz78y,
}

impl Estimator {
    /// All ten, in section order.
    pub const ALL: [Estimator; 10] = [
        Estimator::Mcv,
        Estimator::Collision,
        Estimator::Markov,
        Estimator::Compression,
        Estimator::TTuple,
        Estimator::Lrs,
        Estimator::MultiMcw,
        Estimator::Lag,
        Estimator::MultiMmc,
        Estimator::Lz78y,
    ];

    /// The section of SP 800-90B that defines it.
    pub fn section(self) -> &'static str {
        match self {
            Estimator::Mcv => "6.3.1",
            Estimator::Collision => "6.3.2",
            Estimator::Markov => "6.3.3",
            Estimator::Compression => "6.3.4",
            Estimator::TTuple => "6.3.5",
            Estimator::Lrs => "6.3.6",
            Estimator::MultiMcw => "6.3.7",
            Estimator::Lag => "6.3.8",
            Estimator::MultiMmc => "6.3.9",
            Estimator::Lz78y => "6.3.10",
        }
    }

    /// Human-readable name, as the reference tool prints it.
    pub fn display_name(self) -> &'static str {
        match self {
            Estimator::Mcv => "Most Common Value",
            Estimator::Collision => "Collision",
            Estimator::Markov => "Markov",
            Estimator::Compression => "Compression",
            Estimator::TTuple => "t-Tuple",
            Estimator::Lrs => "LRS",
            Estimator::MultiMcw => "MultiMCW",
            Estimator::Lag => "Lag",
            Estimator::MultiMmc => "MultiMMC",
            Estimator::Lz78y => "LZ78Y",
        }
    }

    /// Whether the estimator is defined only for binary data (6.3.2 - 6.3.4).
    pub fn binary_only(self) -> bool {
        matches!(
            self,
            Estimator::Collision | Estimator::Markov | Estimator::Compression
        )
    }
}

/// What an estimator produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// A min-entropy estimate in bits per sample of the data it ran on.
    Estimate {
        /// Min-entropy, bits per sample.
        h: f64,
    },
    /// The estimator cannot produce a value here; it is left out of every minimum.
    NotApplicable {
        /// Why, in words for the reader.
        reason: String,
    },
}

/// One named intermediate value (p-hat, p_u, t, u, v, N, C, r, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Value {
    /// The symbol used for it in SP 800-90B where there is one (`p_hat`, `p_u`, `t`, ...).
    pub name: String,
    /// The value.
    pub value: f64,
}

/// An estimator's result: its outcome plus every intermediate value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstimatorResult {
    /// Which estimator.
    pub estimator: Estimator,
    /// Its outcome.
    pub outcome: Outcome,
    /// Intermediate values, in the order the section computes them.
    pub values: Vec<Value>,
}

impl EstimatorResult {
    /// A result carrying an estimate.
    pub fn estimate(estimator: Estimator, h: f64, values: Vec<Value>) -> Self {
        EstimatorResult {
            estimator,
            outcome: Outcome::Estimate { h },
            values,
        }
    }

    /// A result saying the estimator does not apply, and why.
    pub fn not_applicable(estimator: Estimator, reason: impl Into<String>) -> Self {
        EstimatorResult {
            estimator,
            outcome: Outcome::NotApplicable {
                reason: reason.into(),
            },
            values: Vec::new(),
        }
    }

    /// The estimate, if there is one.
    pub fn h(&self) -> Option<f64> {
        match self.outcome {
            Outcome::Estimate { h } => Some(h),
            Outcome::NotApplicable { .. } => None,
        }
    }

    /// Looks up an intermediate value by name.
    pub fn value(&self, name: &str) -> Option<f64> {
        self.values.iter().find(|v| v.name == name).map(|v| v.value)
    }
}

/// Shorthand for building the `values` list: `vals![("p_hat", p), ("p_u", pu)]`.
#[macro_export]
macro_rules! vals {
    ($(($name:expr, $v:expr)),* $(,)?) => {
        vec![$($crate::result::Value { name: ($name).to_string(), value: ($v) as f64 }),*]
    };
}
