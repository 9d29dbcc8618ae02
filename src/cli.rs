//! The command line: serve (default), migrate, openapi.
use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};

use crate::config::Settings;
use crate::startup::{Application, openapi, shutdown_signal};
use crate::{db, telemetry};

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
            let conn = db::connect(&settings).await?;
            match action {
                MigrateAction::Up => Migrator::up(&conn, None).await?,
                MigrateAction::Down => Migrator::down(&conn, Some(1)).await?,
                MigrateAction::Status => Migrator::status(&conn).await?,
                MigrateAction::Fresh => Migrator::fresh(&conn).await?,
            }
        }
    }
    Ok(())
}
