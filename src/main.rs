use clap::Parser;
use tasks_api::cli::{Cli, run};

/// glibc's allocator spent about a seventh of a busy server's CPU in its
/// arenas (perf, SQLite, 64 connections); see BENCHMARKS.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // A missing .env is normal; a malformed one is worth stopping for.
    match dotenvy::dotenv() {
        Ok(_) => {}
        Err(err) if err.not_found() => {}
        Err(err) => return Err(err.into()),
    }
    run(Cli::parse()).await
}
