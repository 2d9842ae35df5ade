use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A candidate in the bounded heap: ordered so the heap's top is the worst
/// kept hit (lowest score; on equal scores, the larger id).
struct Hit<'a> {
    score: f32,
    id: &'a str,
}

impl PartialEq for Hit<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Hit<'_> {}
impl PartialOrd for Hit<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Hit<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        // "Greater" = worse: lower score, or same score and larger id.
        other
            .score
            .total_cmp(&self.score)
            .then_with(|| self.id.cmp(other.id))
    }
}

/// Keeps the `k` best (score, id) pairs seen; O(n log k), no allocation per item.
pub(crate) struct TopK<'a> {
    k: usize,
    heap: BinaryHeap<Hit<'a>>,
}

impl<'a> TopK<'a> {
    pub(crate) fn new(k: usize) -> Self {
        TopK {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, score: f32, id: &'a str) {
        let hit = Hit { score, id };
        if self.heap.len() < self.k {
            self.heap.push(hit);
        } else if let Some(worst) = self.heap.peek() {
            if hit < *worst {
                self.heap.pop();
                self.heap.push(hit);
            }
        }
    }

    /// The score a new hit must reach to be kept (minus infinity until
    /// `k` hits are held): a cheap test before [`push`](Self::push).
    #[inline]
    pub(crate) fn threshold(&self) -> f32 {
        if self.heap.len() < self.k {
            f32::NEG_INFINITY
        } else {
            self.heap.peek().map_or(f32::NEG_INFINITY, |h| h.score)
        }
    }

    /// The ids held, in no order.
    pub(crate) fn ids(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.heap.iter().map(|h| h.id)
    }

    /// Best first.
    pub(crate) fn into_sorted(self) -> Vec<(f32, &'a str)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|h| (h.score, h.id))
            .collect()
    }
}
