//! Task versions on the wire: the `ETag` a task or a page of tasks is sent
//! with, the versions an `If-Match` header names (RFC 9110 §13.1.1), and
//! whether an `If-None-Match` header matches (§13.1.2).
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use poem::http::HeaderValue;
use poem::web::headers::{ETag, Header, IfNoneMatch};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::Precondition;

/// The entity tag of a task at `version`; it changes on every write.
pub fn etag(task_id: Uuid, version: i64) -> String {
    format!("\"{}-{}\"", task_id.simple(), version)
}

/// The entity tag of one page of a list: a hash of each listed task's id
/// and version, in order, and of `total`, `limit` and `offset`. Those are
/// all the page's body is made of (every write to a task bumps its
/// version), so the tag changes exactly when the body would, at the cost of
/// hashing 24 bytes per task rather than the serialised page.
pub fn page_etag(
    tasks: impl IntoIterator<Item = (Uuid, i64)>,
    total: u64,
    limit: u64,
    offset: u64,
) -> String {
    let mut hash = Sha256::new();
    for (id, version) in tasks {
        hash.update(id.as_bytes());
        hash.update(version.to_be_bytes());
    }
    // Each task takes 24 bytes and so do these three: the input is never
    // ambiguous.
    for n in [total, limit, offset] {
        hash.update(n.to_be_bytes());
    }
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(&hash.finalize()[..16]))
}

/// Whether an `If-None-Match` header matches the current `tag`: it is `*`,
/// or lists `tag` in either form (`W/"x"` matches `"x"`: the weak
/// comparison RFC 9110 §13.1.2 prescribes). Then the client's copy is
/// current and the answer is 304. A header that cannot be read matches
/// nothing, so its sender simply gets the full answer.
pub fn none_match(header: &str, tag: &str) -> bool {
    let (Ok(value), Ok(current)) = (HeaderValue::from_str(header.trim()), tag.parse::<ETag>())
    else {
        return false;
    };
    IfNoneMatch::decode(&mut std::iter::once(&value))
        .is_ok_and(|condition| !condition.precondition_passes(&current))
}

/// The versions of `task_id` an `If-Match` header admits. A tag that is not
/// one of this task's (a weak tag, another task's, garbage) can never
/// match, so a malformed `If-Match` fails its condition (412) rather than
/// the request.
pub fn expected_versions(header: &str, task_id: Uuid) -> Precondition {
    let header = header.trim();
    if header == "*" {
        return Precondition::Any;
    }
    let versions = header
        .split(',')
        .filter_map(|tag| version_in(tag.trim(), task_id))
        .collect();
    Precondition::OneOf(versions)
}

/// The version `tag` names when it is exactly this task's tag at it.
fn version_in(tag: &str, task_id: Uuid) -> Option<i64> {
    let prefix = format!("\"{}-", task_id.simple());
    let version = tag.strip_prefix(&prefix)?.strip_suffix('"')?.parse().ok()?;
    (etag(task_id, version) == tag).then_some(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strong_tags_match_exactly() {
        let id = Uuid::now_v7();
        let header = format!("{}, {}", etag(id, 1), etag(id, 2));
        let m = expected_versions(&header, id);
        assert!(m.admits(2));
        assert!(!m.admits(3));
        assert!(expected_versions("*", id).admits(9));
    }

    #[test]
    fn weak_tags_other_tasks_and_garbage_never_match() {
        let id = Uuid::now_v7();
        let simple = id.simple();
        assert!(!expected_versions(&format!("W/{}", etag(id, 1)), id).admits(1));
        assert!(!expected_versions(&etag(Uuid::now_v7(), 1), id).admits(1));
        assert!(!expected_versions(&format!("\"{simple}-01\""), id).admits(1));
        assert!(!expected_versions(&format!("{simple}-1"), id).admits(1));
        assert!(!expected_versions("", id).admits(1));
    }

    #[test]
    fn if_none_match_compares_weakly_and_star_matches_anything() {
        let id = Uuid::now_v7();
        let (current, stale) = (etag(id, 2), etag(id, 1));
        assert!(none_match(&current, &current));
        assert!(none_match(&format!("W/{current}"), &current));
        assert!(none_match(&format!("{stale}, W/{current}"), &current));
        assert!(none_match(" * ", &current));
        assert!(!none_match(&stale, &current));
        assert!(!none_match(&format!("W/{stale}"), &current));
        assert!(!none_match(&etag(Uuid::now_v7(), 2), &current));
        // Unquoted, empty or unreadable: never a 304.
        assert!(!none_match(&format!("{}-2", id.simple()), &current));
        assert!(!none_match("", &current));
        assert!(!none_match("\u{1}", &current));
    }

    #[test]
    fn a_page_tag_follows_every_part_of_the_page() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let tag = page_etag([(a, 1), (b, 1)], 2, 50, 0);
        assert_eq!(tag, page_etag([(a, 1), (b, 1)], 2, 50, 0));
        for other in [
            page_etag([(a, 1), (b, 2)], 2, 50, 0),
            page_etag([(b, 1), (a, 1)], 2, 50, 0),
            page_etag([(a, 1)], 2, 50, 0),
            page_etag([(a, 1), (b, 1)], 3, 50, 0),
            page_etag([(a, 1), (b, 1)], 2, 20, 0),
            page_etag([(a, 1), (b, 1)], 2, 50, 1),
        ] {
            assert_ne!(tag, other);
        }
        assert!(tag.parse::<ETag>().is_ok(), "{tag} is a valid strong tag");
        assert!(none_match(&tag, &tag));
    }
}
