//! What clients see of a bm25 ranking.
//!
//! Raw bm25 values depend on the corpus statistics of the table ranked over, and a finely shown
//! number is a measurement of them; when those statistics were shared by all wikis, four
//! decimals of a score told a reader of one wiki when another tenant's private pages gained a
//! word (issue 17, finding 8). Statistics are per wiki now (see `tables.rs`); on top of that a
//! score is shown only as the share of the best hit's relevance, in hundredths: enough to see
//! how far apart results are, too coarse to read statistics from.

/// Steps a shown score is rounded to.
const STEPS: f64 = 100.0;

/// A bm25 rank (negative, lower is better) relative to `best`, the best rank of the search: 1
/// for the best hit, else its share of the best's relevance in hundredths, never below 0.01
/// (every hit matched). 1 when bm25 cannot tell hits apart (it is then close to zero, as when a
/// term is on most pages of a small wiki).
pub(crate) fn relative(rank: f64, best: f64) -> f64 {
    if best >= 0.0 {
        return 1.0;
    }
    let share = (rank / best).clamp(0.0, 1.0);
    ((share * STEPS).round() / STEPS).max(1.0 / STEPS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_relative_to_the_best_in_hundredths() {
        assert_eq!(relative(-2e-6, -2e-6), 1.0);
        assert_eq!(relative(-1e-6, -2e-6), 0.5);
        assert_eq!(relative(-1.2345, -2.0), 0.62);
        assert_eq!(relative(-1e-9, -2.0), 0.01, "a match never shows 0");
        assert_eq!(relative(0.0, 0.0), 1.0);
    }
}
