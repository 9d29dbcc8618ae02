//! Race tests must show that their requests raced, not only that the outcome
//! was right: each racer notes when it was sent and when its answer came,
//! and the test asserts that the racers were in flight together.
use std::future::Future;
use std::time::Instant;

/// When one racing request was sent and when its answer arrived.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub sent: Instant,
    pub answered: Instant,
}

impl Span {
    fn overlaps(&self, other: &Span) -> bool {
        self.sent < other.answered && other.sent < self.answered
    }
}

/// Runs `request`, noting when it started and when it finished.
pub async fn timed<T>(request: impl Future<Output = T>) -> (T, Span) {
    let sent = Instant::now();
    let answer = request.await;
    let answered = Instant::now();
    (answer, Span { sent, answered })
}

/// Whether the racers overlapped: the last one was sent before the first
/// answer arrived, so at that moment every one of them was in flight.
pub fn overlapped(spans: &[Span]) -> bool {
    let last_sent = spans.iter().map(|s| s.sent).max();
    let first_answered = spans.iter().map(|s| s.answered).min();
    spans.len() >= 2 && last_sent < first_answered
}

/// Asserts that the racers overlapped (see `overlapped`).
pub fn assert_overlapped(spans: &[Span], what: &str) {
    assert!(spans.len() >= 2, "{what}: a race needs two racers");
    let last_sent = spans.iter().map(|s| s.sent).max().unwrap();
    let first_answered = spans.iter().map(|s| s.answered).min().unwrap();
    assert!(
        last_sent < first_answered,
        "{what}: the {} requests did not overlap: the last was sent {:?} after the first answer",
        spans.len(),
        last_sent - first_answered,
    );
}

/// Asserts that at some moment at least `at_least` of the racers were in
/// flight together, for races of many where the last may start late.
pub fn assert_in_flight_together(spans: &[Span], at_least: usize, what: &str) {
    let mut events: Vec<(Instant, i32)> = spans
        .iter()
        .flat_map(|s| [(s.sent, 1), (s.answered, -1)])
        .collect();
    // At one instant an answer sorts before a send: touching is not overlapping.
    events.sort();
    let (mut now, mut most) = (0, 0);
    for (_, step) in events {
        now += step;
        most = most.max(now);
    }
    assert!(
        most >= at_least as i32,
        "{what}: at most {most} of {} requests were in flight together, not {at_least}",
        spans.len()
    );
}

/// Asserts that each of `spans` was in flight while at least one of
/// `others` was: e.g. that every request refused for want of a turn was
/// refused while another request had one.
pub fn assert_each_overlaps(spans: &[Span], others: &[Span], what: &str) {
    for (i, span) in spans.iter().enumerate() {
        assert!(
            others.iter().any(|other| span.overlaps(other)),
            "{what}: request {i} overlapped none of the {} others",
            others.len()
        );
    }
}
