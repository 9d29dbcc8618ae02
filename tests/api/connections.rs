//! What a connection may hold of the server: timeouts for silent, idle and
//! half-sent connections and stalled bodies, the cap on header bytes, the
//! connection cap with its places kept for probes, and a 413 that a client
//! sending a large body can read. All of it happens below the database, so
//! these tests run on SQLite only (plain `#[tokio::test]`); they talk raw
//! HTTP over `tokio::net::TcpStream` on loopback where reqwest cannot say
//! what they send. Every read is bounded in time.
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::{Backend, TestApp};

/// Long enough for any answer on a busy 2-core machine, short enough that
/// a test never hangs.
const PATIENCE: Duration = Duration::from_secs(5);

async fn app_with(tweak: impl FnOnce(&mut tasks_api::config::Settings)) -> TestApp {
    TestApp::with(Backend::Sqlite, tweak).await
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .expect("connects")
}

/// One response read off `stream`: status, lower-cased head, body.
struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == name).then(|| value.trim())
        })
    }

    fn problem_code(&self) -> String {
        let problem: Value = serde_json::from_slice(&self.body).expect("a JSON problem body");
        problem["code"].as_str().unwrap_or_default().to_owned()
    }
}

/// Reads one response (head, then `Content-Length` bytes of body).
async fn read_answer(stream: &mut TcpStream) -> Answer {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    let read = async {
        loop {
            if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&bytes[..end]).to_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |v| v.trim().parse::<usize>().unwrap());
                if bytes.len() >= end + 4 + length {
                    let status = head[9..12].parse().unwrap();
                    let body = bytes[end + 4..end + 4 + length].to_vec();
                    return Answer { status, head, body };
                }
            }
            let n = stream.read(&mut chunk).await.expect("reads");
            assert!(n > 0, "closed before a whole answer: {bytes:?}");
            bytes.extend_from_slice(&chunk[..n]);
        }
    };
    tokio::time::timeout(PATIENCE, read)
        .await
        .expect("an answer in time")
}

/// Waits for the server to close `stream`; returns what it sent meanwhile
/// and how long the close took.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> (Vec<u8>, Duration) {
    let started = Instant::now();
    let mut sent = Vec::new();
    let mut chunk = [0u8; 4096];
    let until_closed = async {
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => sent.extend_from_slice(&chunk[..n]),
            }
        }
    };
    tokio::time::timeout(within, until_closed)
        .await
        .expect("the server closes the connection in time");
    (sent, started.elapsed())
}

const PROBE: &[u8] = b"GET /health/live HTTP/1.1\r\nhost: test\r\n\r\n";

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_header_read_timeout() {
    let app = app_with(|s| s.header_read_timeout_seconds = 1).await;
    let mut stream = connect(&app).await;
    stream.write_all(PROBE).await.unwrap();
    let answer = read_answer(&mut stream).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("connection"), None, "kept alive");
    // hyper's header-read timer runs while the connection waits for its
    // next request head.
    let (sent, after) = closed_within(&mut stream, PATIENCE).await;
    assert!(sent.is_empty());
    assert!(
        after >= Duration::from_millis(800),
        "closed after {after:?}"
    );
}

#[tokio::test]
async fn silent_and_half_sent_connections_are_closed() {
    let app = app_with(|s| s.header_read_timeout_seconds = 1).await;
    let openings: [&[u8]; 4] = [
        b"",
        b"GET /health/live HTTP/1.1\r\nhost: test\r\n",
        // A partial HTTP/2 preface: the auto builder is still telling
        // HTTP/1 from HTTP/2, before hyper's own timer runs.
        b"PRI * HTTP/2.0\r\n",
        // The whole preface, then silence.
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    ];
    for opening in openings {
        let mut stream = connect(&app).await;
        stream.write_all(opening).await.unwrap();
        let (sent, after) = closed_within(&mut stream, PATIENCE).await;
        let shown = String::from_utf8_lossy(opening);
        assert!(!sent.starts_with(b"HTTP/1.1 200"), "{shown:?} was served");
        assert!(after >= Duration::from_millis(800), "{shown:?}: {after:?}");
    }
}

#[tokio::test]
async fn a_request_head_over_max_header_bytes_is_answered_431() {
    let app = app_with(|s| s.max_header_bytes = 16 * 1024).await;
    let request = |filler: usize| {
        format!(
            "GET /health/live HTTP/1.1\r\nhost: test\r\nx-filler: {}\r\n\r\n",
            "a".repeat(filler)
        )
    };
    let mut stream = connect(&app).await;
    stream
        .write_all(request(12 * 1024).as_bytes())
        .await
        .unwrap();
    assert_eq!(read_answer(&mut stream).await.status, 200, "12 KiB fits");

    let mut stream = connect(&app).await;
    stream
        .write_all(request(20 * 1024).as_bytes())
        .await
        .unwrap();
    let answer = read_answer(&mut stream).await;
    assert_eq!(answer.status, 431);
    closed_within(&mut stream, PATIENCE).await;
}

#[tokio::test]
async fn a_stalled_body_is_answered_408_and_the_connection_closed() {
    let app = app_with(|s| s.body_read_timeout_seconds = 1).await;
    // A probe has no deadline of its own: the body timeout still applies.
    for path in ["/health/live", "/api/auth/login"] {
        let mut stream = connect(&app).await;
        let head = format!(
            "POST {path} HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n\
             content-length: 100\r\n\r\n{{\"email\""
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let started = Instant::now();
        let answer = read_answer(&mut stream).await;
        assert_eq!(answer.status, 408, "{path}");
        assert!(started.elapsed() >= Duration::from_millis(800));
        assert_eq!(answer.problem_code(), "body_timeout");
        assert_eq!(answer.header("connection"), Some("close"));
        closed_within(&mut stream, PATIENCE).await;
    }
}

#[tokio::test]
async fn past_the_connection_cap_only_probes_are_served_and_then_none() {
    // 4 places, the last 2 kept for probes.
    let app = app_with(|s| s.max_connections = Some(4)).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = connect(&app).await;
        stream.write_all(PROBE).await.unwrap();
        let answer = read_answer(&mut stream).await;
        assert_eq!((answer.status, answer.header("connection")), (200, None));
        held.push(stream);
    }

    let mut busy = connect(&app).await;
    busy.write_all(b"GET /openapi.json HTTP/1.1\r\nhost: test\r\n\r\n")
        .await
        .unwrap();
    let answer = read_answer(&mut busy).await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.problem_code(), "server_busy");
    assert_eq!(answer.header("retry-after"), Some("1"));
    assert_eq!(answer.header("connection"), Some("close"));
    closed_within(&mut busy, PATIENCE).await;

    let mut probe = connect(&app).await;
    probe.write_all(PROBE).await.unwrap();
    let answer = read_answer(&mut probe).await;
    assert_eq!(
        (answer.status, answer.header("connection")),
        (200, Some("close"))
    );
    closed_within(&mut probe, PATIENCE).await;

    // Two more fill the cap (the listen queue is accepted in order), and
    // the next is closed at once, unanswered.
    held.push(connect(&app).await);
    held.push(connect(&app).await);
    let mut refused = connect(&app).await;
    let _ = refused.write_all(PROBE).await;
    let (sent, _) = closed_within(&mut refused, PATIENCE).await;
    assert!(sent.is_empty(), "refused, not answered");

    // A place given back is soon taken by a probe again.
    drop(held.pop());
    let mut answered = false;
    for _ in 0..50 {
        let mut probe = connect(&app).await;
        let _ = probe.write_all(PROBE).await;
        let mut first = [0u8; 12];
        let read = tokio::time::timeout(PATIENCE, probe.read_exact(&mut first)).await;
        if matches!(read, Ok(Ok(_))) && first.starts_with(b"HTTP/1.1 200") {
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(answered, "a probe is served once a place is free");
}

/// The oversize request a client sends whole before reading (as Python's
/// urllib does).
fn oversize_signup(length: usize, expect_continue: bool) -> String {
    let expect = if expect_continue {
        "expect: 100-continue\r\n"
    } else {
        ""
    };
    format!(
        "POST /api/auth/signup HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n\
         {expect}content-length: {length}\r\n\r\n"
    )
}

#[tokio::test]
async fn a_413_reaches_a_client_that_sends_its_whole_body_first() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut stream = connect(&app).await;
    let length = 900 * 1024;
    stream
        .write_all(oversize_signup(length, false).as_bytes())
        .await
        .unwrap();
    // Sends everything before reading: a server that closed early would
    // make this fail (broken pipe / reset).
    tokio::time::timeout(PATIENCE, stream.write_all(&vec![b' '; length]))
        .await
        .expect("the body is taken in time")
        .expect("the whole body is taken");
    let answer = read_answer(&mut stream).await;
    assert_eq!(answer.status, 413);
    assert_eq!(answer.problem_code(), "payload_too_large");
    assert_eq!(answer.header("connection"), Some("close"));
    closed_within(&mut stream, PATIENCE).await;

    // reqwest too.
    let resp = app
        .request(reqwest::Method::POST, "/api/auth/signup")
        .header("content-type", "application/json")
        .body(vec![b' '; length])
        .send()
        .await
        .expect("the answer arrives");
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(problem["code"], "payload_too_large");
}

#[tokio::test]
async fn a_client_that_expects_100_continue_gets_its_413_before_sending() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut stream = connect(&app).await;
    let head = oversize_signup(100 * 1024 * 1024, true);
    stream.write_all(head.as_bytes()).await.unwrap();
    let answer = read_answer(&mut stream).await;
    assert_eq!(answer.status, 413, "no 100 Continue first");
    assert_eq!(answer.problem_code(), "payload_too_large");
    assert_eq!(answer.header("connection"), Some("close"));
    closed_within(&mut stream, PATIENCE).await;
}
