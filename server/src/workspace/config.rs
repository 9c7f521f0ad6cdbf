//! `backend-brain.toml`: what to index and how to judge it. Every field has a default, so a
//! missing file means defaults; a bad file is reported and defaults apply.

use serde::Deserialize;

pub const CONFIG_FILE: &str = "backend-brain.toml";

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub index: IndexConfig,
    pub auth: AuthConfig,
    pub diagnostics: DiagnosticsConfig,
    pub docs: DocsConfig,
    pub check: CheckConfig,
    /// Functions that register routes where the code does not show how (`[[route_wrappers]]`).
    pub route_wrappers: Vec<RouteWrapper>,
    pub database: DatabaseConfig,
    pub stack: StackConfig,
    /// Packages to count as third-party integrations besides the built-in catalog
    /// (`[[integrations]]`).
    pub integrations: Vec<IntegrationConfig>,
    /// Columns that hold personal data beyond what their names and types show, and columns that
    /// do not despite them.
    pub pii: PiiConfig,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IndexConfig {
    /// Index test code too (`*.test.*`, `*.spec.*`, `__tests__/`, `test/`, ...).
    pub include_tests: bool,
    /// Globs (relative to the root) of files not to index.
    pub exclude: Vec<String>,
    /// Files larger than this many bytes are skipped (minified bundles, generated code).
    pub max_file_size: u64,
}

impl Default for IndexConfig {
    fn default() -> Self {
        IndexConfig {
            include_tests: false,
            exclude: Vec::new(),
            max_file_size: 1024 * 1024,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// More middleware names (or parts of names) that count as authentication.
    pub middleware: Vec<String>,
}

/// How loudly a finding is reported; `off` silences it.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    #[serde(alias = "info")]
    Information,
    Hint,
    Off,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DiagnosticsConfig {
    pub undocumented_route: Severity,
    pub duplicate_route: Severity,
    pub unhandled_event: Severity,
    pub unemitted_event: Severity,
    /// Rows of the route table document whose route is gone.
    pub stale_doc: Severity,
    /// Globs (relative to the root) of files whose findings are not reported.
    pub ignore: Vec<String>,
}

impl Default for DiagnosticsConfig {
    fn default() -> Self {
        DiagnosticsConfig {
            undocumented_route: Severity::Warning,
            duplicate_route: Severity::Warning,
            unhandled_event: Severity::Information,
            unemitted_event: Severity::Information,
            stale_doc: Severity::Warning,
            ignore: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DocsConfig {
    /// The Markdown file (relative to the root) whose route table documents routes.
    pub table: String,
    /// An OpenAPI document (JSON or YAML, relative to the root) whose operations count as
    /// documented routes.
    pub openapi: Option<String>,
}

impl Default for DocsConfig {
    fn default() -> Self {
        DocsConfig {
            table: "BACKEND_BRAIN.md".to_string(),
            openapi: None,
        }
    }
}

/// What `backend-brain check` fails on.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CheckConfig {
    /// Finding codes that make `check` exit 1.
    pub kinds: Vec<String>,
}

impl Default for CheckConfig {
    fn default() -> Self {
        CheckConfig {
            kinds: vec!["undocumented-route".into(), "stale-doc".into()],
        }
    }
}

/// A call `name(...)` or `receiver.name(...)` that registers a route. Positions count from 0.
/// Either the arguments are positional (`method`/`method_arg`, `path_arg`, `handler_arg`), or one
/// options object carries `method`, `path` (or `url`) and `handler` (`options_arg`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RouteWrapper {
    pub name: String,
    /// A fixed HTTP method (`"GET"`), when the wrapper's name implies it.
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub method_arg: Option<usize>,
    /// Default: the first argument (after the method argument when that comes first).
    #[serde(default)]
    pub path_arg: Option<usize>,
    /// Default: the last argument; the arguments between path and handler are middleware.
    #[serde(default)]
    pub handler_arg: Option<usize>,
    #[serde(default)]
    pub options_arg: Option<usize>,
    /// The argument holding the router (`registerRoute(router, 'get', '/x', h)`); by default the
    /// router is the receiver of the call.
    #[serde(default)]
    pub router_arg: Option<usize>,
}

/// The live database to compare the code's tables with.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// The environment variable that holds the connection URL (`DATABASE_URL`); the URL itself
    /// never belongs in this file.
    pub url_env: Option<String>,
}

/// The technology stack (`[stack]`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct StackConfig {
    /// More packages and their layer, over the built-in catalog (`"@acme/*" = "internal"`: a
    /// trailing `*` covers every package the name prefixes).
    pub layers: std::collections::BTreeMap<String, String>,
}

/// A package whose use is an integration: `name` is how the inventory lists it.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IntegrationConfig {
    pub name: String,
    /// The package name (`@acme/billing-client`), or a scope or prefix ending in `/`
    /// (`@acme/`) for every package under it.
    pub package: String,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PiiConfig {
    /// Columns that hold no personal data whatever their names say: `table.column`, or a
    /// column name for that column in every table.
    pub ignore: Vec<String>,
    /// Columns that hold personal data (or hold it at another level than their names say).
    pub columns: Vec<PiiColumnConfig>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PiiColumnConfig {
    /// `table.column`, or a column name for that column in every table.
    pub column: String,
    /// What it holds (`email`, `national_id`, or a word of the project's own); default `custom`.
    #[serde(default = "custom_kind")]
    pub kind: String,
    pub level: crate::schema::pii::Level,
}

fn custom_kind() -> String {
    "custom".to_string()
}

impl Config {
    /// Parses the config text; the error names the problem and its place.
    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| format!("{CONFIG_FILE}: {}", e.to_string().trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        assert_eq!(Config::parse("").expect("empty config"), Config::default());
        let c = Config::parse("[index]\ninclude_tests = true\nexclude = ['scripts/**']\n")
            .expect("valid");
        assert!(c.index.include_tests);
        assert_eq!(c.index.exclude, vec!["scripts/**"]);
    }

    #[test]
    fn diagnostics_and_docs_sections() {
        let c = Config::parse(
            "[diagnostics]\nundocumented_route = 'off'\nunhandled_event = 'info'\nignore = ['src/legacy/**']\n[docs]\ntable = 'docs/API.md'\n",
        )
        .expect("valid");
        assert_eq!(c.diagnostics.undocumented_route, Severity::Off);
        assert_eq!(c.diagnostics.unhandled_event, Severity::Information);
        assert_eq!(c.diagnostics.duplicate_route, Severity::Warning);
        assert_eq!(c.diagnostics.ignore, vec!["src/legacy/**"]);
        assert_eq!(c.docs.table, "docs/API.md");
        let err = Config::parse("[diagnostics]\nduplicate_route = 'loud'\n").expect_err("bad");
        assert!(err.contains("loud") || err.contains("variant"), "{err}");
    }

    #[test]
    fn route_wrappers_are_declared_as_an_array_of_tables() {
        let c =
            Config::parse("[[route_wrappers]]\nname = 'addRoute'\nmethod_arg = 0\npath_arg = 1\n")
                .expect("valid");
        assert_eq!(c.route_wrappers[0].name, "addRoute");
        assert_eq!(c.route_wrappers[0].method_arg, Some(0));
    }

    #[test]
    fn database_section() {
        let c = Config::parse("[database]\nurl_env = 'DATABASE_URL'\n").expect("valid");
        assert_eq!(c.database.url_env.as_deref(), Some("DATABASE_URL"));
        assert!(Config::parse("[database]\nurl = 'postgres://x'\n").is_err());
    }

    #[test]
    fn stack_layers() {
        let c = Config::parse("[stack.layers]\n\"@acme/*\" = \"internal\"\nfoo = \"queue\"\n")
            .expect("valid");
        assert_eq!(c.stack.layers["@acme/*"], "internal");
        assert_eq!(c.stack.layers["foo"], "queue");
        assert!(Config::parse("[stack]\ncatalog = {}\n").is_err());
    }

    #[test]
    fn integrations_and_pii_sections() {
        let c = Config::parse(
            "[[integrations]]\nname = 'billing'\npackage = '@acme/billing'\n\
             [pii]\nignore = ['parts.name']\n\
             [[pii.columns]]\ncolumn = 'vehicles.vin'\nlevel = 'medium'\n\
             [[pii.columns]]\ncolumn = 'iban_hint'\nkind = 'payment'\nlevel = 'high'\n",
        )
        .expect("valid");
        assert_eq!(c.integrations[0].name, "billing");
        assert_eq!(c.integrations[0].package, "@acme/billing");
        assert_eq!(c.pii.ignore, vec!["parts.name"]);
        assert_eq!(c.pii.columns[0].kind, "custom");
        assert_eq!(c.pii.columns[0].level, crate::schema::pii::Level::Medium);
        assert_eq!(c.pii.columns[1].kind, "payment");
        assert!(Config::parse("[[pii.columns]]\ncolumn = 'a'\nlevel = 'severe'\n").is_err());
    }

    #[test]
    fn unknown_keys_are_errors_with_a_place() {
        let err = Config::parse("[index]\ninclude_test = true\n").expect_err("typo");
        assert!(err.contains("include_test"), "{err}");
    }
}
