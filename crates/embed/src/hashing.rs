//! A deterministic bag-of-words embedder for tests of the code around embeddings (queues,
//! storage, ranking), where loading a real model would only slow tests down. Words (lowercased,
//! alphanumeric runs) are hashed into buckets, so texts sharing words point the same way.

use crate::error::EmbedError;
use crate::{Embedder, normalize};

/// Feature-hashing embedder; never used outside tests.
#[derive(Debug, Clone)]
pub struct HashingEmbedder {
    dimensions: usize,
    model_id: String,
}

impl HashingEmbedder {
    /// An embedder with `dimensions` buckets, named `model_id`.
    pub fn new(dimensions: usize, model_id: &str) -> HashingEmbedder {
        HashingEmbedder {
            dimensions: dimensions.max(1),
            model_id: model_id.to_string(),
        }
    }
}

impl Embedder for HashingEmbedder {
    fn model_id(&self) -> &str {
        &self.model_id
    }

    fn dimensions(&self) -> usize {
        self.dimensions
    }

    fn max_input_chars(&self) -> usize {
        900
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        Ok(texts
            .iter()
            .map(|text| {
                let mut v = vec![0.0; self.dimensions];
                for word in text
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                {
                    // FNV-1a: stable across runs and platforms.
                    let hash = word
                        .to_lowercase()
                        .bytes()
                        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
                        });
                    v[(hash % self.dimensions as u64) as usize] += 1.0;
                }
                normalize(&mut v);
                v
            })
            .collect())
    }
}
