//! What an operation is, beyond its inputs and answers: each `/api`
//! operation names one of these in its `#[oai(transform = "...")]`, and the
//! layers that must treat it differently read it from there.
use poem::Endpoint;

use crate::http::{Admit, Admitted, NoStore};

/// An ordinary operation: it waits for one of the places.
pub fn queued<E: Endpoint>(endpoint: E) -> Admitted<E> {
    Admitted {
        endpoint,
        admit: Admit::Place,
    }
}

/// An account or session operation that checks no password: it waits for
/// a place, and its answers are never stored.
pub fn account<E: Endpoint>(endpoint: E) -> NoStore<Admitted<E>> {
    NoStore(queued(endpoint))
}

/// An operation that checks a password (bcrypt): it queues for the
/// hashing threads, which refuse it when their queue is too long, instead
/// of taking a place, and its answers are never stored.
pub fn checks_password<E: Endpoint>(endpoint: E) -> NoStore<Admitted<E>> {
    NoStore(Admitted {
        endpoint,
        admit: Admit::NoPlace,
    })
}

/// An event stream: it stays open, so it has no deadline, and takes no
/// place (streams are bounded per user instead).
pub fn stream<E: Endpoint>(endpoint: E) -> Admitted<E> {
    Admitted {
        endpoint,
        admit: Admit::Stream,
    }
}
