//! What one account may keep: bounds that stop one user from filling the
//! disk while everyone else's data stays small.
use clap::Args;

#[derive(Debug, Clone, Copy, Args)]
pub struct QuotaSettings {
    /// Tasks one user may hold; one more is answered 409 `too_many_tasks`.
    #[arg(long, env = "MAX_TASKS_PER_USER", global = true, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_tasks_per_user: u64,

    /// Idempotent-create answers kept per user for retries; past it the
    /// oldest are forgotten first (a retry with a forgotten key creates a
    /// new task, as after the 24 hours every key is kept at most).
    #[arg(long, env = "MAX_IDEMPOTENCY_KEYS_PER_USER", global = true, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_idempotency_keys_per_user: u64,

    /// Places of `MAX_CONCURRENT_REQUESTS` one user's requests may hold at
    /// once; more wait for that user's own to finish, then get 429.
    #[arg(long, env = "MAX_CONCURRENT_REQUESTS_PER_USER", global = true, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_concurrent_requests_per_user: u32,
}

impl Default for QuotaSettings {
    fn default() -> Self {
        Self {
            max_tasks_per_user: 10_000,
            max_idempotency_keys_per_user: 1_000,
            max_concurrent_requests_per_user: 4,
        }
    }
}
