//! The command line: a thin front-end over the workspace engine.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::inventory::render_table;
use crate::schema::postgres;
use crate::workspace::Workspace;

#[derive(Parser, Debug)]
#[command(
    name = "backend-brain",
    version,
    about = "A live inventory of a TypeScript backend: routes, middleware, auth, Socket.IO events"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lists every HTTP route and Socket.IO event of the backend under ROOT.
    #[command(
        after_help = "Examples:\n  backend-brain inventory fixtures/showcase\n  backend-brain inventory . --json > inventory.json"
    )]
    Inventory {
        /// The backend's root folder.
        #[arg(default_value = ".")]
        root: PathBuf,
        /// Print one JSON object (the stable, documented contract) instead of a table.
        #[arg(long)]
        json: bool,
        /// Also index test code (`*.test.*`, `*.spec.*`, `__tests__/`, `test/`, ...).
        #[arg(long)]
        include_tests: bool,
        /// A PostgreSQL database to compare the code's tables with (read only; the password is
        /// never printed). Defaults to the variable named by `[database] url_env` in
        /// backend-brain.toml, when it is set.
        #[arg(long, value_name = "URL")]
        database_url: Option<String>,
    },
    /// Serves the Language Server Protocol over stdin and stdout, for editors.
    Lsp {
        /// Accepted for clients that pass it (VS Code does); stdio is the only transport.
        #[arg(long)]
        stdio: bool,
    },
}

/// Runs the command line; the exit code is 0 on success and 2 for usage or I/O errors.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::Inventory {
            root,
            json,
            include_tests,
            database_url,
        } => inventory(root, json, include_tests, database_url),
        Command::Lsp { stdio: _ } => crate::lsp::run_stdio(),
    }
}

fn inventory(
    root: PathBuf,
    json: bool,
    include_tests: bool,
    database_url: Option<String>,
) -> ExitCode {
    let (mut config, config_problem) = Workspace::read_config(&root);
    if let Some(p) = config_problem {
        eprintln!("backend-brain: {p}");
    }
    config.index.include_tests |= include_tests;
    let (workspace, problems) = match Workspace::load(&root, config) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("backend-brain: {e}");
            return ExitCode::from(2);
        }
    };
    for p in &problems {
        eprintln!("backend-brain: {p}");
    }
    let mut inventory = workspace.inventory();
    let database_url = database_url.or_else(|| {
        let var = workspace.config().database.url_env.as_deref()?;
        std::env::var(var).ok().filter(|v| !v.trim().is_empty())
    });
    if let Some(url) = database_url {
        match postgres::introspect(&url) {
            Ok(db) => {
                inventory.drift = Some(postgres::drift(
                    &inventory.tables,
                    &db,
                    &postgres::redact(&url),
                ))
            }
            Err(message) => {
                eprintln!("backend-brain: {message}");
                return ExitCode::from(2);
            }
        }
    }
    let text = if json {
        let mut s = serde_json::to_string_pretty(&inventory.to_json()).unwrap_or_default();
        s.push('\n');
        s
    } else {
        render_table(&inventory)
    };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = stdout.write_all(text.as_bytes());
    ExitCode::SUCCESS
}
