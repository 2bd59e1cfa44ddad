//! Vectors: stored by (model, hash of the embedded text), computed off the request path by
//! [`SearchIndex::embed_pending`], searched exactly over one contiguous matrix per wiki.
//!
//! Exact search is the right tool at wiki scale: 10,000 chunks × 384 dimensions is 3.8 M
//! multiply-adds, about a millisecond, and it is always consistent with the stored rows (an
//! approximate index would be one more thing to keep in step with git).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use robot_embed::{Embedder, dot};
use sqlx::Row;

use crate::error::SearchError;
use crate::index::SearchIndex;

pub(crate) const SCHEMA: &[&str] = &["CREATE TABLE IF NOT EXISTS vectors (
        model TEXT NOT NULL,
        hash TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (model, hash)) WITHOUT ROWID"];

/// Texts per model call. Small calls waste less on padding to their longest text, and a call's
/// activations are transient memory that grows with it: at 256 tokens one call of 16 peaks
/// ~310 MB above the model, one of 4 ~80 MB, at the same texts per second on two cores
/// (`cargo run --release -p robot-embed --example peak_memory`). With 16, a server embedding a
/// large wiki peaked at 512 MB; with 4, at 244 MB.
const MODEL_CALL: usize = 4;

/// One wiki's vectors for one model: row `i` of `data` is the vector of chunk `ids[i]`.
#[derive(Debug)]
pub(crate) struct Matrix {
    generation: i64,
    model: String,
    dimensions: usize,
    ids: Vec<i64>,
    /// The page path of each row, for filters and the per-page cap.
    paths: Vec<Arc<str>>,
    data: Vec<f32>,
}

/// The matrices in memory, per wiki.
#[derive(Debug, Default)]
pub(crate) struct MatrixCache(Mutex<HashMap<String, Arc<Matrix>>>);

/// A chunk found by vector search: its row id, page and cosine similarity to the query.
#[derive(Debug, Clone)]
pub(crate) struct Nearest {
    pub(crate) id: i64,
    pub(crate) path: Arc<str>,
    pub(crate) similarity: f32,
}

/// How far a wiki's vectors are behind its chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VectorLag {
    /// Chunks of the wiki's indexed commit.
    pub chunks: usize,
    /// Of those, chunks whose vector is not computed yet.
    pub pending: usize,
}

impl SearchIndex {
    /// How many of the wiki's chunks still lack a vector from `model`.
    pub async fn vector_lag(&self, slug: &str, model: &str) -> Result<VectorLag, SearchError> {
        let row = sqlx::query(
            "SELECT count(*),
                    count(*) FILTER (WHERE NOT EXISTS
                        (SELECT 1 FROM vectors v WHERE v.model = ?2 AND v.hash = c.hash))
             FROM chunks c WHERE c.slug = ?1",
        )
        .bind(slug)
        .bind(model)
        .fetch_one(&self.pool)
        .await?;
        Ok(VectorLag {
            chunks: usize::try_from(row.get::<i64, _>(0)).unwrap_or(0),
            pending: usize::try_from(row.get::<i64, _>(1)).unwrap_or(0),
        })
    }

    /// Embeds up to `batch` chunk texts (of any wiki) that have no vector from `embedder` yet;
    /// returns how many. Zero means every chunk has its vector.
    pub async fn embed_pending(
        &self,
        embedder: &Arc<dyn Embedder>,
        batch: usize,
    ) -> Result<usize, SearchError> {
        let model = embedder.model_id().to_string();
        // No ORDER BY: grouping by the indexed hash lets SQLite stop after `batch` groups instead
        // of sorting every pending chunk on every call.
        let rows = sqlx::query(
            "SELECT hash, min(section_path), min(text) FROM chunks c
             WHERE NOT EXISTS (SELECT 1 FROM vectors v WHERE v.model = ?1 AND v.hash = c.hash)
             GROUP BY hash LIMIT ?2",
        )
        .bind(&model)
        .bind(batch as i64)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut pending: Vec<(String, String)> = rows
            .iter()
            .map(|r| {
                let path = crate::chunk_store::split_path(&r.get::<String, _>(1));
                let input = format!("{}\n\n{}", path.join(" > "), r.get::<String, _>(2));
                (r.get::<String, _>(0), input)
            })
            .collect();
        // Similar lengths together: the model pads each call to its longest text.
        pending.sort_by_key(|(_, input)| input.len());
        let hashes: Vec<String> = pending.iter().map(|(hash, _)| hash.clone()).collect();
        let vectors = {
            let embedder = Arc::clone(embedder);
            tokio::task::spawn_blocking(move || {
                let mut vectors = Vec::with_capacity(pending.len());
                for group in pending.chunks(MODEL_CALL) {
                    let texts: Vec<&str> = group.iter().map(|(_, input)| input.as_str()).collect();
                    vectors.extend(embedder.embed_in_background(&texts)?);
                }
                Ok::<_, robot_embed::EmbedError>(vectors)
            })
            .await??
        };
        let mut tx = crate::index::write_transaction(&self.pool).await?;
        for (hash, vector) in hashes.iter().zip(&vectors) {
            sqlx::query("INSERT OR IGNORE INTO vectors (model, hash, vector) VALUES (?, ?, ?)")
                .bind(&model)
                .bind(hash)
                .bind(encode(vector))
                .execute(&mut *tx)
                .await?;
        }
        let hashes_json = serde_json::to_string(&hashes).unwrap_or_else(|_| "[]".into());
        sqlx::query(
            "UPDATE vec_state SET generation = generation + 1 WHERE slug IN
                (SELECT DISTINCT slug FROM chunks WHERE hash IN (SELECT value FROM json_each(?)))",
        )
        .bind(hashes_json)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(hashes.len())
    }

    /// Deletes vectors no chunk uses any more, and every vector of another model.
    pub async fn collect_vectors(&self, model: &str) -> Result<u64, SearchError> {
        let deleted = sqlx::query(
            "DELETE FROM vectors WHERE model != ?1
                OR NOT EXISTS (SELECT 1 FROM chunks c WHERE c.hash = vectors.hash)",
        )
        .bind(model)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(deleted)
    }

    /// The chunks of wiki `slug` most similar to `query` (a unit vector from `model`), best first,
    /// at most `limit`, skipping pages `keep` refuses.
    pub(crate) async fn nearest(
        &self,
        slug: &str,
        model: &str,
        query: &[f32],
        limit: usize,
        keep: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Vec<Nearest>, SearchError> {
        let matrix = self.matrix(slug, model).await?;
        if matrix.dimensions != query.len() || matrix.ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut scored: Vec<(f32, usize)> = matrix
            .data
            .chunks_exact(matrix.dimensions)
            .enumerate()
            .filter(|(row, _)| keep(&matrix.paths[*row]))
            .map(|(row, vector)| (dot(vector, query), row))
            .collect();
        let take = limit.min(scored.len());
        if take == 0 {
            return Ok(Vec::new());
        }
        scored.select_nth_unstable_by(take - 1, |a, b| b.0.total_cmp(&a.0));
        scored.truncate(take);
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        Ok(scored
            .into_iter()
            .map(|(similarity, row)| Nearest {
                id: matrix.ids[row],
                path: Arc::clone(&matrix.paths[row]),
                similarity,
            })
            .collect())
    }

    /// The wiki's matrix, reloaded when its generation moved since it was loaded.
    async fn matrix(&self, slug: &str, model: &str) -> Result<Arc<Matrix>, SearchError> {
        let generation: i64 = sqlx::query_scalar("SELECT generation FROM vec_state WHERE slug = ?")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
            .unwrap_or(0);
        if let Some(matrix) = self.matrices.get(slug)
            && matrix.generation == generation
            && matrix.model == model
        {
            return Ok(matrix);
        }
        let rows = sqlx::query(
            "SELECT c.id, c.path, v.vector FROM chunks c
             JOIN vectors v ON v.model = ?2 AND v.hash = c.hash
             WHERE c.slug = ?1 ORDER BY c.id",
        )
        .bind(slug)
        .bind(model)
        .fetch_all(&self.pool)
        .await?;
        let mut matrix = Matrix {
            generation,
            model: model.to_string(),
            dimensions: 0,
            ids: Vec::with_capacity(rows.len()),
            paths: Vec::with_capacity(rows.len()),
            data: Vec::new(),
        };
        let mut interned: HashMap<String, Arc<str>> = HashMap::new();
        for row in &rows {
            let vector = decode(row.get::<&[u8], _>(2));
            if matrix.dimensions == 0 {
                matrix.dimensions = vector.len();
                matrix.data.reserve(rows.len() * vector.len());
            }
            if vector.len() != matrix.dimensions {
                continue;
            }
            let path: String = row.get(1);
            let path = interned
                .entry(path.clone())
                .or_insert_with(|| Arc::from(path.as_str()))
                .clone();
            matrix.ids.push(row.get(0));
            matrix.paths.push(path);
            matrix.data.extend_from_slice(&vector);
        }
        let matrix = Arc::new(matrix);
        self.matrices.put(slug, Arc::clone(&matrix));
        Ok(matrix)
    }
}

impl MatrixCache {
    fn get(&self, slug: &str) -> Option<Arc<Matrix>> {
        self.0.lock().ok()?.get(slug).cloned()
    }

    fn put(&self, slug: &str, matrix: Arc<Matrix>) {
        if let Ok(mut map) = self.0.lock() {
            map.insert(slug.to_string(), matrix);
        }
    }

    /// Drops a wiki's matrix (after the wiki is forgotten).
    pub(crate) fn remove(&self, slug: &str) {
        if let Ok(mut map) = self.0.lock() {
            map.remove(slug);
        }
    }
}

/// Little-endian `f32`s.
fn encode(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn decode(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_round_trip_through_bytes() {
        let v = vec![0.5, -1.25, f32::MIN_POSITIVE, 3.0];
        assert_eq!(decode(&encode(&v)), v);
    }
}
