use crate::{Error, Result};

/// How embeddings are grouped into speakers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClusterMethod {
    /// Average-linkage agglomerative clustering on cosine similarity,
    /// stopped by a similarity threshold (the automatic speaker count).
    #[default]
    Agglomerative,
    /// Spectral clustering of a refined cosine affinity, the speaker count
    /// from the largest eigengap (Wang et al., "Speaker Diarization with
    /// LSTM", ICASSP 2018). Without `min`, it looks for at least two
    /// speakers (the first eigengap of a refined affinity is nearly always
    /// the largest); give `min: Some(1)` to allow one.
    Spectral,
}

impl ClusterMethod {
    /// `"agglomerative"` or `"spectral"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ClusterMethod::Agglomerative => "agglomerative",
            ClusterMethod::Spectral => "spectral",
        }
    }

    /// Parses [`as_str`](Self::as_str)'s names (and `ahc`).
    pub fn from_name(name: &str) -> Result<Self> {
        match name.to_ascii_lowercase().as_str() {
            "agglomerative" | "ahc" => Ok(ClusterMethod::Agglomerative),
            "spectral" => Ok(ClusterMethod::Spectral),
            other => Err(Error::invalid_argument(
                "method",
                format!(
                    "unknown clustering method {other:?}; use \"agglomerative\" or \"spectral\""
                ),
            )),
        }
    }
}

/// How many clusters the caller allows.
///
/// `exact` wins over the bounds; without it the count is estimated (by the
/// threshold or the eigengap) and then held inside `[min, max]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SpeakerCount {
    /// Exactly this many speakers.
    pub exact: Option<usize>,
    /// At least this many.
    pub min: Option<usize>,
    /// At most this many.
    pub max: Option<usize>,
}

impl SpeakerCount {
    /// Exactly `n` speakers.
    pub fn exact(n: usize) -> Self {
        SpeakerCount {
            exact: Some(n),
            ..Default::default()
        }
    }

    /// Refuses zero counts and `min > max`.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("num_speakers", self.exact),
            ("min_speakers", self.min),
            ("max_speakers", self.max),
        ] {
            if v == Some(0) {
                return Err(Error::invalid_argument(
                    name,
                    "must be at least 1 (silence gives an empty result without asking)",
                ));
            }
        }
        if let (Some(lo), Some(hi)) = (self.min, self.max) {
            if lo > hi {
                return Err(Error::invalid_argument(
                    "min_speakers",
                    format!("min_speakers {lo} is above max_speakers {hi}"),
                ));
            }
        }
        if let (Some(n), Some(lo)) = (self.exact, self.min) {
            if n < lo {
                return Err(Error::invalid_argument(
                    "num_speakers",
                    format!("num_speakers {n} is below min_speakers {lo}"),
                ));
            }
        }
        if let (Some(n), Some(hi)) = (self.exact, self.max) {
            if n > hi {
                return Err(Error::invalid_argument(
                    "num_speakers",
                    format!("num_speakers {n} is above max_speakers {hi}"),
                ));
            }
        }
        Ok(())
    }

    /// The `(lo, hi)` range of allowed counts for `n` items, after
    /// [`validate`](Self::validate); errors when `exact` exceeds `n`.
    pub fn range(&self, n: usize) -> Result<(usize, usize)> {
        self.validate()?;
        if let Some(k) = self.exact {
            if k > n {
                return Err(Error::invalid_argument(
                    "num_speakers",
                    format!("{k} speakers asked for, but only {n} segments of speech were found"),
                ));
            }
            return Ok((k, k));
        }
        let lo = self.min.unwrap_or(1).min(n.max(1));
        let hi = self.max.unwrap_or(n).min(n).max(lo);
        Ok((lo, hi))
    }
}

/// Settings of [`cluster`](super::cluster).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterOptions {
    /// The algorithm.
    pub method: ClusterMethod,
    /// Speaker-count constraints.
    pub count: SpeakerCount,
    /// Agglomerative: clusters whose average cosine similarity is at least
    /// this are merged. Calibrated on the dev conversations for GE2E.
    pub threshold: f32,
    /// Spectral: the share of each row's affinities kept when the affinity
    /// matrix is pruned (spectralcluster's `p_percentile`).
    pub p_percentile: f32,
    /// Spectral: largest number of speakers the eigengap may choose when
    /// no `max` is given.
    pub max_auto_speakers: usize,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            method: ClusterMethod::Agglomerative,
            count: SpeakerCount::default(),
            threshold: 0.6,
            p_percentile: 0.95,
            max_auto_speakers: 20,
        }
    }
}

impl ClusterOptions {
    pub(crate) fn validate(&self) -> Result<()> {
        self.count.validate()?;
        if !(self.threshold.is_finite() && (-1.0..=1.0).contains(&self.threshold)) {
            return Err(Error::invalid_argument(
                "threshold",
                format!("{} is not a cosine similarity in [-1, 1]", self.threshold),
            ));
        }
        if !(self.p_percentile > 0.0 && self.p_percentile <= 1.0) {
            return Err(Error::invalid_argument(
                "p_percentile",
                format!("{} is outside (0, 1]", self.p_percentile),
            ));
        }
        if self.max_auto_speakers == 0 {
            return Err(Error::invalid_argument(
                "max_auto_speakers",
                "must be at least 1",
            ));
        }
        Ok(())
    }
}
