//! The command line: a thin front-end over the workspace engine and the pure features. It parses
//! arguments, loads the workspace (with progress on a terminal), asks the features, and prints.

mod gate;
mod output;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use gate::{ExportKind, Format};

use crate::features::explain::Query;
use crate::features::route_match::{closest, find_routes, parse_request};
use crate::features::{Analysis, DocsTable};
use crate::inventory::Inventory;
use crate::schema::postgres;
use crate::workspace::{Config, Workspace};

/// Exit code: the command did what was asked.
pub const OK: u8 = 0;
/// Exit code: the question had no answer (`find` matched no route, `explain` found none).
pub const NOT_FOUND: u8 = 1;
/// Exit code: wrong arguments, or ROOT cannot be read.
pub const USAGE_OR_IO: u8 = 2;

const EXIT_CODES: &str = "Exit codes:\n  0  success\n  1  nothing found (find: no route matches; explain: no such route)\n  2  usage error, or ROOT missing or unreadable";

#[derive(Parser, Debug)]
#[command(
    name = "backend-brain",
    version,
    about = "A live inventory of a TypeScript backend: routes, middleware, auth, Socket.IO events",
    after_help = EXIT_CODES,
)]
pub struct Cli {
    /// When to color the output: `auto` colors a terminal unless NO_COLOR is set.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// No progress or summary on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// What every command that reads a backend takes.
#[derive(Args, Debug)]
pub struct Source {
    /// The backend's root folder.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Also index test code (`*.test.*`, `*.spec.*`, `__tests__/`, `test/`, ...).
    #[arg(long)]
    pub include_tests: bool,
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
    /// Finds the routes that serve a URL or path, best first, with where they are registered
    /// and handled.
    #[command(
        after_help = "The request is a URL or a path, optionally preceded by its method. Exact segments rank
before params, params before wildcards, and parts computed at run time last. When nothing
matches, the closest routes are shown and the exit code is 1.

Examples:
  backend-brain find /api/v1/orders/42
  backend-brain find GET 'https://api.example.com/api/v1/orders/42?x=1'
  backend-brain find /api/v1/orders --method POST --root fixtures/showcase
  backend-brain find /api/v1/orders/42 --json"
    )]
    Find {
        /// `[METHOD] URL-or-path`, as one or two words.
        #[arg(required = true, num_args = 1..=2, value_name = "REQUEST")]
        request: Vec<String>,
        /// Only routes for this method (ALL routes serve every method; GET routes serve HEAD).
        #[arg(long, short)]
        method: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        source: Source,
    },
    /// Explains one route: handler, middleware chain, auth, rate limit, docs, events emitted.
    #[command(
        after_help = "The route is named by its method and path as listed (`GET /api/v1/orders/:id`), by a
concrete path it serves (`GET /api/v1/orders/42`), or by the `FILE:LINE` of its registration
or of its handler. A router mounted twice gives one explanation per route.

Examples:
  backend-brain explain GET /api/v1/orders/:id --root fixtures/showcase
  backend-brain explain 'POST /api/v1/auth/login'
  backend-brain explain src/routes/orders.ts:24
  backend-brain explain GET /api/v1/orders/42 --json"
    )]
    Explain {
        /// `METHOD PATH` (one or two words) or `FILE:LINE`.
        #[arg(required = true, num_args = 1..=2, value_name = "ROUTE")]
        route: Vec<String>,
        /// Print JSON instead of a tree.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        source: Source,
    },
    /// Writes BACKEND_BRAIN.md: the routes, Socket.IO events and middleware of the backend
    /// under ROOT, with the Description column and kept text of the previous version carried
    /// over.
    #[command(
        after_help = "Examples:\n  backend-brain generate\n  backend-brain generate fixtures/showcase --check\n  backend-brain generate . -o docs/BACKEND_BRAIN.md\n\nExit codes: 0 written (or current, with --check), 1 not current (--check), 2 usage or I/O error."
    )]
    Generate {
        /// The backend's root folder.
        #[arg(default_value = ".")]
        root: PathBuf,
        /// Where to write the document (`-` for stdout). Default: ROOT/BACKEND_BRAIN.md, or the
        /// `[docs] table` of backend-brain.toml.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Write nothing; exit 1 and print a unified diff when the file differs from what would
        /// be written.
        #[arg(long)]
        check: bool,
        /// Also index test code.
        #[arg(long)]
        include_tests: bool,
    },
    /// Reports undocumented routes and rows of BACKEND_BRAIN.md whose route is gone (the language
    /// server's diagnostics), and exits 1 when there are any.
    #[command(
        after_help = "Examples:\n  backend-brain check\n  backend-brain check . --format github\n  backend-brain check . --format sarif > backend-brain.sarif\n  backend-brain check . --changed-since origin/main\n\nExit codes: 0 no findings, 1 findings, 2 usage or I/O error (also: not a git repository, unknown ref)."
    )]
    Check {
        /// The backend's root folder.
        #[arg(default_value = ".")]
        root: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Only findings in files changed since this git ref (`git diff --name-only REF`, plus
        /// untracked files); a stale row counts as a finding in the route table document.
        #[arg(long, value_name = "REF")]
        changed_since: Option<String>,
        /// The finding codes to report and fail on (repeatable). Default: `[check] kinds` of
        /// backend-brain.toml, or undocumented-route and stale-doc.
        #[arg(long = "kind", value_name = "CODE")]
        kinds: Vec<String>,
        /// Also index test code.
        #[arg(long)]
        include_tests: bool,
    },
    /// Prints the routes as OpenAPI 3.1, or the Socket.IO events as AsyncAPI 3.0 (JSON).
    #[command(
        after_help = "Examples:\n  backend-brain export openapi > openapi.json\n  backend-brain export asyncapi fixtures/showcase > asyncapi.json"
    )]
    Export {
        #[arg(value_enum)]
        kind: ExportKind,
        /// The backend's root folder.
        #[arg(default_value = ".")]
        root: PathBuf,
        /// Also index test code.
        #[arg(long)]
        include_tests: bool,
    },
    /// Prints a shell completion script.
    #[command(
        after_help = "Examples:\n  backend-brain completions bash > ~/.local/share/bash-completion/completions/backend-brain\n  backend-brain completions zsh > ~/.zfunc/_backend-brain\n  backend-brain completions fish > ~/.config/fish/completions/backend-brain.fish"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Prints the manual page (roff), generated from this command line's definition.
    #[command(
        after_help = "Examples:\n  backend-brain man > backend-brain.1\n  backend-brain man | man -l -"
    )]
    Man,
    /// Serves the Language Server Protocol over stdin and stdout, for editors.
    #[command(after_help = "Examples:\n  backend-brain lsp\n  backend-brain lsp --stdio")]
    Lsp {
        /// Accepted for clients that pass it (VS Code does); stdio is the only transport.
        #[arg(long)]
        stdio: bool,
    },
}

/// Runs the command line; see [`OK`], [`NOT_FOUND`] and [`USAGE_OR_IO`] for the exit codes.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(USAGE_OR_IO)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let color = match cli.color {
        Color::Auto => anstream::ColorChoice::Auto,
        Color::Always => anstream::ColorChoice::Always,
        Color::Never => anstream::ColorChoice::Never,
    };
    let mut out = anstream::AutoStream::new(std::io::stdout(), color);
    let code = match cli.command {
        Command::Inventory {
            root,
            json,
            include_tests,
            database_url,
        } => {
            let source = Source {
                root,
                include_tests,
            };
            match load(&source, cli.quiet).and_then(|loaded| compare_database(loaded, database_url))
            {
                Err(code) => code,
                Ok(loaded) => {
                    let text = if json {
                        to_json(&loaded.inventory.to_json())
                    } else {
                        output::inventory(&loaded.inventory)
                    };
                    print(&mut out, &text);
                    OK
                }
            }
        }
        Command::Find {
            request,
            method,
            json,
            source,
        } => find(
            &mut out,
            &request,
            method.as_deref(),
            json,
            &source,
            cli.quiet,
        ),
        Command::Explain {
            route,
            json,
            source,
        } => explain(&mut out, &route, json, &source, cli.quiet),
        Command::Completions { shell } => {
            let mut buffer = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "backend-brain", &mut buffer);
            print(&mut out, &String::from_utf8_lossy(&buffer));
            OK
        }
        Command::Man => {
            let mut buffer = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut buffer) {
                Ok(()) => {
                    // Raw: roff has no ANSI colors to strip, and `>` keeps it byte for byte.
                    let _ = std::io::stdout().lock().write_all(&buffer);
                    OK
                }
                Err(e) => {
                    eprintln!("backend-brain: {e}");
                    USAGE_OR_IO
                }
            }
        }
        Command::Generate {
            root,
            output,
            check,
            include_tests,
        } => gate::generate(root, output, check, include_tests, cli.quiet),
        Command::Check {
            root,
            format,
            changed_since,
            kinds,
            include_tests,
        } => gate::check(cli.quiet, root, format, changed_since, kinds, include_tests),
        Command::Export {
            kind,
            root,
            include_tests,
        } => gate::export(kind, root, include_tests, cli.quiet),
        Command::Lsp { stdio: _ } => return crate::lsp::run_stdio(),
    };
    ExitCode::from(code)
}

fn print(out: &mut impl Write, text: &str) {
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

fn to_json(value: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    s
}

/// A loaded backend: its inventory, and what the features need with it.
struct Loaded {
    inventory: Inventory,
    /// The text of the configured route table document, `None` when it does not exist.
    table_text: Option<String>,
    table: DocsTable,
    config: Config,
}

impl Loaded {
    fn analysis(&self) -> Analysis<'_> {
        Analysis::new(&self.inventory, &self.table, &self.config)
    }
}

/// Loads ROOT, reporting problems on stderr, with progress and a summary on a terminal.
fn load(source: &Source, quiet: bool) -> Result<Loaded, u8> {
    let started = Instant::now();
    let root = &source.root;
    let (mut config, config_problem) = Workspace::read_config(root);
    if let Some(p) = config_problem {
        eprintln!("backend-brain: {p}");
    }
    config.index.include_tests |= source.include_tests;
    let show = !quiet && std::io::stderr().is_terminal();
    let bar = output::Progress::new(show);
    let loaded =
        Workspace::load_with_progress(root, config, &|done, total| bar.indexed(done, total));
    let (workspace, problems) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => {
            bar.clear();
            eprintln!("backend-brain: {e}");
            return Err(USAGE_OR_IO);
        }
    };
    bar.resolving();
    let inventory = workspace.inventory();
    bar.clear();
    for p in &problems {
        eprintln!("backend-brain: {p}");
    }
    let config = workspace.config().clone();
    let table_text = crate::workspace::read_inside(root, &config.docs.table);
    let (table, openapi_problem) = DocsTable::load(root, &config, table_text.as_deref());
    if let Some(p) = openapi_problem {
        eprintln!("backend-brain: {p}");
    }
    if show {
        eprintln!(
            "{}",
            output::summary(
                workspace.file_count(),
                &inventory,
                started.elapsed().as_secs_f64()
            )
        );
    }
    Ok(Loaded {
        inventory,
        table_text,
        table,
        config,
    })
}

/// Compares the code's tables with a live PostgreSQL database, when one is given on the command
/// line or through the variable `[database] url_env` names.
fn compare_database(mut loaded: Loaded, url: Option<String>) -> Result<Loaded, u8> {
    let url = url.or_else(|| {
        let var = loaded.config.database.url_env.as_deref()?;
        std::env::var(var).ok().filter(|v| !v.trim().is_empty())
    });
    let Some(url) = url else {
        return Ok(loaded);
    };
    match postgres::introspect(&url) {
        Ok(db) => {
            let drift = postgres::drift(&loaded.inventory.tables, &db, &postgres::redact(&url));
            loaded.inventory.drift = Some(drift);
            Ok(loaded)
        }
        Err(message) => {
            eprintln!("backend-brain: {message}");
            Err(USAGE_OR_IO)
        }
    }
}

fn find(
    out: &mut impl Write,
    words: &[String],
    method: Option<&str>,
    json: bool,
    source: &Source,
    quiet: bool,
) -> u8 {
    let request = match parse_request(&words.join(" "), method) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("backend-brain: {e}");
            return USAGE_OR_IO;
        }
    };
    let loaded = match load(source, quiet) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let routes = &loaded.inventory.routes;
    let matches = find_routes(routes, &request);
    let near = if matches.is_empty() {
        closest(routes, &request, 5)
    } else {
        Vec::new()
    };
    let text = if json {
        to_json(&output::find_json(&request, &matches, &near))
    } else {
        output::find(&request, &matches, &near)
    };
    print(out, &text);
    if matches.is_empty() {
        NOT_FOUND
    } else {
        OK
    }
}

fn explain(out: &mut impl Write, words: &[String], json: bool, source: &Source, quiet: bool) -> u8 {
    let query = match Query::parse(words) {
        Ok(q) => q,
        Err(e) => {
            eprintln!("backend-brain: {e}");
            return USAGE_OR_IO;
        }
    };
    let loaded = match load(source, quiet) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let analysis = loaded.analysis();
    let routes = match analysis.select(&query) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("backend-brain: {e}");
            return USAGE_OR_IO;
        }
    };
    let explanations: Vec<_> = routes.iter().map(|r| analysis.explain(r)).collect();
    let text = if json {
        to_json(&serde_json::to_value(&explanations).unwrap_or_default())
    } else if explanations.is_empty() {
        format!("no route matches {}\n", words.join(" "))
    } else {
        explanations
            .iter()
            .map(output::explanation)
            .collect::<Vec<_>>()
            .join("\n")
    };
    print(out, &text);
    if explanations.is_empty() {
        NOT_FOUND
    } else {
        OK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_subcommand_has_examples() {
        for sub in Cli::command().get_subcommands() {
            let help = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(
                help.contains("Examples:"),
                "{} has no examples",
                sub.get_name()
            );
        }
    }
}
