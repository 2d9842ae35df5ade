//! Clustering of speaker embeddings: pure functions from vectors to labels.
//!
//! [`cluster`] groups unit vectors (window or segment voiceprints) into
//! speakers, by average-linkage agglomerative clustering with a calibrated
//! stopping threshold or by spectral clustering with an eigengap estimate,
//! honouring an exact speaker count or bounds.

mod affinity;
mod ahc;
mod api;
mod kmeans;
mod options;
mod spectral;

pub use affinity::Affinity;
pub use api::{centroids, cluster, reassign_to_centroids, Clustering};

use api::relabel;
pub use options::{ClusterMethod, ClusterOptions, SpeakerCount};
