//! Task versions on the wire: the `ETag` a task is sent with, and the
//! versions an `If-Match` header names (RFC 9110 §13.1.1).
use uuid::Uuid;

use crate::domain::Precondition;

/// The entity tag of a task at `version`; it changes on every write.
pub fn etag(task_id: Uuid, version: i64) -> String {
    format!("\"{}-{}\"", task_id.simple(), version)
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
}
