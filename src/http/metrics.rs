//! Prometheus metrics: requests by operation and status, their latency,
//! the database pool, the bcrypt queue, and the event streams. Served as text at `/metrics` on
//! a listener of its own (`METRICS_ADDR`), never on the public one.
use std::sync::Arc;
use std::time::Duration;

use poem::endpoint::make_sync;
use poem::{Endpoint, EndpointExt, Route, get};
use prometheus::{
    Encoder, Gauge, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec,
    Opts, Registry, TextEncoder,
};

/// Latency buckets in seconds, up to the default request deadline.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// This process's metrics. Each `Application` has its own registry, so
/// several servers in one process (as in the tests) never mix their counts.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    in_flight: IntGauge,
    pool: IntGaugeVec,
    pool_max: IntGauge,
    bcrypt_queue: IntGauge,
    bcrypt_running: IntGauge,
    bcrypt_hash_seconds: Gauge,
    bcrypt_wait_seconds: Gauge,
    streams_open: IntGauge,
    stream_events: IntCounter,
    read_gauges: Box<dyn Fn() -> ResourceGauges + Send + Sync>,
}

/// The resources' state when metrics are read: the database pool and the
/// password-check queue.
#[derive(Debug, Default, Clone, Copy)]
pub struct ResourceGauges {
    /// Open database connections, idle or in use.
    pub db_open: usize,
    pub db_idle: usize,
    /// The most connections the pool opens.
    pub db_max: u32,
    /// Password operations waiting for a bcrypt thread.
    pub bcrypt_queue: usize,
    /// bcrypt computations running.
    pub bcrypt_running: usize,
    /// The measured CPU time of one hash (0 until one is timed).
    pub bcrypt_hash: Duration,
    /// How long a password operation arriving now would wait for a thread.
    pub bcrypt_wait: Duration,
}

impl Metrics {
    /// Metrics whose resource gauges `read_gauges` reads when scraped.
    pub fn new(
        read_gauges: impl Fn() -> ResourceGauges + Send + Sync + 'static,
    ) -> prometheus::Result<Self> {
        let registry = Registry::new_custom(Some("tasks_api".into()), None)?;
        let labels = &["operation", "status"];
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests answered"),
            labels,
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time from receiving a request to having its response",
            )
            .buckets(BUCKETS.to_vec()),
            labels,
        )?;
        let in_flight = IntGauge::new("http_requests_in_flight", "Requests being handled")?;
        let pool = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Open database connections, by state (idle or in_use)",
            ),
            &["state"],
        )?;
        let pool_max = IntGauge::new(
            "db_pool_max_connections",
            "The most connections the pool opens",
        )?;
        let bcrypt_queue = IntGauge::new(
            "bcrypt_queue_length",
            "Password operations waiting for a bcrypt thread",
        )?;
        let bcrypt_running = IntGauge::new("bcrypt_in_flight", "bcrypt computations running")?;
        let bcrypt_hash_seconds = Gauge::new(
            "bcrypt_hash_seconds",
            "The measured CPU time of one hash, which the queue's expected wait counts in",
        )?;
        let bcrypt_wait_seconds = Gauge::new(
            "bcrypt_expected_wait_seconds",
            "How long a password operation arriving now would wait for a bcrypt thread",
        )?;
        let streams_open = IntGauge::new("event_streams_open", "Event streams open")?;
        let stream_events = IntCounter::new(
            "event_stream_events_total",
            "Change events sent on event streams",
        )?;
        registry.register(Box::new(streams_open.clone()))?;
        registry.register(Box::new(stream_events.clone()))?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(in_flight.clone()))?;
        registry.register(Box::new(pool.clone()))?;
        registry.register(Box::new(pool_max.clone()))?;
        registry.register(Box::new(bcrypt_queue.clone()))?;
        registry.register(Box::new(bcrypt_running.clone()))?;
        registry.register(Box::new(bcrypt_hash_seconds.clone()))?;
        registry.register(Box::new(bcrypt_wait_seconds.clone()))?;
        Ok(Self(Arc::new(Inner {
            registry,
            requests,
            latency,
            in_flight,
            pool,
            pool_max,
            bcrypt_queue,
            bcrypt_running,
            bcrypt_hash_seconds,
            bcrypt_wait_seconds,
            streams_open,
            stream_events,
            read_gauges: Box::new(read_gauges),
        })))
    }

    /// Counts one answered request.
    pub fn observe(&self, operation: &str, status: u16, elapsed: Duration) {
        let status = status.to_string();
        let labels = [operation, status.as_str()];
        self.0.requests.with_label_values(&labels).inc();
        self.0
            .latency
            .with_label_values(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// Counts a request as in flight until the guard is dropped.
    pub fn in_flight(&self) -> InFlight {
        self.0.in_flight.inc();
        InFlight(self.0.in_flight.clone())
    }

    /// Counts an event stream as open until the guard is dropped.
    pub fn stream_opened(&self) -> InFlight {
        self.0.streams_open.inc();
        InFlight(self.0.streams_open.clone())
    }

    /// Counts one event sent on a stream.
    pub fn stream_event_sent(&self) {
        self.0.stream_events.inc();
    }

    /// The Prometheus text exposition of every metric, gauges read now.
    pub fn render(&self) -> String {
        let inner = &self.0;
        let now = (inner.read_gauges)();
        inner
            .pool
            .with_label_values(&["idle"])
            .set(now.db_idle as i64);
        inner
            .pool
            .with_label_values(&["in_use"])
            .set(now.db_open.saturating_sub(now.db_idle) as i64);
        inner.pool_max.set(i64::from(now.db_max));
        inner.bcrypt_queue.set(now.bcrypt_queue as i64);
        inner.bcrypt_running.set(now.bcrypt_running as i64);
        inner.bcrypt_hash_seconds.set(now.bcrypt_hash.as_secs_f64());
        inner.bcrypt_wait_seconds.set(now.bcrypt_wait.as_secs_f64());
        let mut out = Vec::new();
        if let Err(err) = TextEncoder::new().encode(&inner.registry.gather(), &mut out) {
            tracing::error!(error = %err, "encoding metrics failed");
        }
        String::from_utf8(out).unwrap_or_default()
    }

    /// The metrics listener's routes: `GET /metrics`.
    pub fn routes(&self) -> impl Endpoint + 'static {
        let metrics = self.clone();
        Route::new().at(
            "/metrics",
            get(make_sync(move |_| {
                poem::Response::builder()
                    .content_type(prometheus::TEXT_FORMAT)
                    .body(metrics.render())
            }))
            .map_to_response(),
        )
    }
}

/// Gives its unit of the in-flight gauge back when dropped, also when the
/// client goes away mid-request.
pub struct InFlight(IntGauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}
