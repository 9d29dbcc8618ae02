//! The command line: serve (default), migrate, openapi, seed.
pub mod seed;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use sea_orm::TransactionTrait;

use crate::auth::TokenService;
use crate::config::Settings;
use crate::startup::{self, Application, openapi, shutdown_signal};
use crate::telemetry;

#[derive(Debug, Parser)]
#[command(
    name = "tasks-api",
    version,
    about = "A task-management REST API server"
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default).
    Serve,
    /// Manage the database schema.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Print the OpenAPI spec the server would serve.
    Openapi {
        /// YAML instead of JSON.
        #[arg(long)]
        yaml: bool,
    },
    /// Fill the database with test users and tasks (for benchmarks).
    ///
    /// Users are `seed-N@example.com`, all with the password
    /// `seeded-password`, hashed once at a low bcrypt cost by default.
    Seed {
        /// How many users to create.
        #[arg(long, default_value_t = 100)]
        users: u32,
        /// How many tasks each user gets.
        #[arg(long, default_value_t = 100)]
        tasks_per_user: u32,
        /// bcrypt cost of the seeded users' (shared) password hash.
        #[arg(long, default_value_t = seed::DEFAULT_PASSWORD_COST, value_parser = clap::value_parser!(u32).range(4..=31))]
        password_cost: u32,
        /// Write `USER_ID ACCESS_TOKEN TASK_ID...` per user to this file, for
        /// a load generator (requires JWT_SECRET, shared with the server).
        #[arg(long)]
        sessions_out: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Roll back the last migration.
    Down,
    /// List migrations and whether each is applied.
    Status,
    /// Drop everything and re-apply all migrations.
    Fresh,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi { yaml } => {
            let api = openapi();
            println!("{}", if yaml { api.spec_yaml() } else { api.spec() });
        }
        Command::Serve => {
            telemetry::init(settings.log_format(), &settings.rust_log);
            let app = Application::build(&settings).await?;
            app.run_until(shutdown_signal()).await?;
        }
        Command::Migrate { action } => {
            telemetry::init(settings.log_format(), &settings.rust_log);
            let db = startup::connect(&settings).await?;
            if let MigrateAction::Up = action {
                startup::migrate(&db).await?;
                return Ok(());
            }
            // In one transaction, which a pooler keeps on one server
            // connection.
            let txn = db.begin().await?;
            match action {
                MigrateAction::Down => Migrator::down(&txn, Some(1)).await?,
                MigrateAction::Status => Migrator::status(&txn).await?,
                MigrateAction::Fresh => Migrator::fresh(&txn).await?,
                MigrateAction::Up => {}
            }
            txn.commit().await?;
        }
        Command::Seed {
            users,
            tasks_per_user,
            password_cost,
            sessions_out,
        } => {
            telemetry::init(settings.log_format(), &settings.rust_log);
            let plan = seed::Plan {
                users,
                tasks_per_user,
                password_cost,
            };
            run_seed(&settings, &plan, sessions_out.as_deref()).await?;
        }
    }
    Ok(())
}

async fn run_seed(
    settings: &Settings,
    plan: &seed::Plan,
    sessions_out: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    // Checked first: a random development secret would sign useless tokens.
    let tokens = match sessions_out {
        Some(_) if settings.jwt_secret.is_none() => {
            anyhow::bail!("--sessions-out needs JWT_SECRET (the one the server will use)")
        }
        Some(_) => Some(TokenService::new(
            &settings.signing_secret()?,
            &settings.jwt_issuer,
            &settings.jwt_audience,
            settings.jwt_ttl_seconds,
        )),
        None => None,
    };
    let conn = startup::connect(settings).await?;
    startup::migrate(&conn).await?;
    let seeded = seed::run(&conn, plan).await?;
    let secs = seeded.elapsed.as_secs_f64();
    println!(
        "seeded {} users and {} tasks in {secs:.1} s ({:.0} tasks/s)",
        seeded.users.len(),
        seeded.tasks,
        seeded.tasks as f64 / secs.max(1e-9)
    );
    if let (Some(path), Some(tokens)) = (sessions_out, tokens) {
        seed::write_sessions(path, &tokens, &seeded)?;
    }
    Ok(())
}
