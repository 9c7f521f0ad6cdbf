//! Tables read from schema files and ORM code: every fixtures/schema/<source>/ folder's tables
//! equal its hand-written expected.txt (format: fixtures/schema/README.md), and the live
//! PostgreSQL introspection and drift report work against a real server when one is given.

use std::path::{Path, PathBuf};

use backend_brain::inventory::{render_chain, render_tables};
use backend_brain::schema::postgres;
use backend_brain::workspace::{Config, Workspace};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// The rendered tables of one folder, with the statements it could not read.
fn actual(dir: &Path) -> String {
    let (workspace, problems) =
        Workspace::load(dir, Config::default()).expect("fixture folder exists");
    let mut out = render_tables(&workspace.inventory().tables);
    if !problems.is_empty() {
        out.push_str("\n# problems\n");
        for p in &problems {
            // The parser's wording is its own; the place is what the fixture pins.
            let place = p.message.split(':').next().unwrap_or("");
            out.push_str(&format!("{}: {place}\n", p.path));
        }
    }
    out
}

fn check(name: &str) -> Result<(), String> {
    let dir = fixtures_dir().join("schema").join(name);
    check_chain(&dir)?;
    let expected = std::fs::read_to_string(dir.join("expected.txt"))
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let actual = actual(&dir);
    if expected.trim_end() == actual.trim_end() {
        return Ok(());
    }
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let mut diff = String::new();
    for line in &e {
        if !a.contains(line) {
            diff.push_str(&format!("- {line}\n"));
        }
    }
    for line in &a {
        if !e.contains(line) {
            diff.push_str(&format!("+ {line}\n"));
        }
    }
    Err(format!("{name}:\n{diff}\nactual:\n{actual}"))
}

/// The folder's chain.txt: the routes' services and tables with access, through this ORM.
fn check_chain(dir: &Path) -> Result<(), String> {
    let expected = std::fs::read_to_string(dir.join("chain.txt"))
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let (workspace, _) = Workspace::load(dir, Config::default()).expect("fixture folder exists");
    let actual = render_chain(&workspace.inventory());
    if expected.trim_end() == actual.trim_end() {
        Ok(())
    } else {
        Err(format!(
            "{}/chain.txt differs; actual:\n{actual}",
            dir.display()
        ))
    }
}

#[test]
fn sql_migrations() {
    check("sql").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn prisma_schema() {
    check("prisma").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn typeorm_entities() {
    check("typeorm").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn drizzle_tables() {
    check("drizzle").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn knex_migrations() {
    check("knex").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn sequelize_models() {
    check("sequelize").unwrap_or_else(|e| panic!("{e}"));
}

/// The database the live tests use, from scripts/with-postgres.sh; `None` (and a note) without it.
fn test_database() -> Option<String> {
    use std::io::Write;
    match std::env::var("BACKEND_BRAIN_TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            // Written past the test harness's capture so that the skip is seen.
            let _ = writeln!(
                std::io::stderr(),
                "note: live PostgreSQL test skipped: BACKEND_BRAIN_TEST_DATABASE_URL is not set \
                 (run it with scripts/with-postgres.sh cargo test -p backend-brain --test schema)"
            );
            None
        }
    }
}

/// The database side of the drift test: the sql fixture's tables, with differences both ways.
const DATABASE_SETUP: &str = "
DROP SCHEMA IF EXISTS billing CASCADE;
DROP SCHEMA public CASCADE;
CREATE SCHEMA public;
CREATE TABLE users (
  id bigserial PRIMARY KEY,
  org_id integer NOT NULL,
  email text NOT NULL,
  display_name text,
  phone text,
  last_login timestamptz
);
CREATE TABLE orgs (
  id serial PRIMARY KEY,
  name text NOT NULL,
  slug varchar(64) NOT NULL UNIQUE,
  owner_id bigint REFERENCES users (id)
);
ALTER TABLE users ADD FOREIGN KEY (org_id) REFERENCES orgs (id);
CREATE TABLE audit_log (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());
CREATE TABLE knex_migrations (id serial PRIMARY KEY, name text);
";

/// The live tests share one database: they take turns.
static DATABASE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn setup_database(url: &str) {
    let mut client = postgres_client(url);
    client
        .batch_execute(DATABASE_SETUP)
        .expect("the test database accepts the setup");
}

fn postgres_client(url: &str) -> ::postgres::Client {
    ::postgres::Client::connect(url, ::postgres::NoTls).expect("the test database is reachable")
}

#[test]
fn live_postgres_introspection_and_drift() {
    let Some(url) = test_database() else { return };
    let _turn = DATABASE.lock().unwrap_or_else(|e| e.into_inner());
    setup_database(&url);
    let db = postgres::introspect(&url).expect("introspection works");
    let users = db
        .iter()
        .find(|t| t.name == "users")
        .expect("users is read");
    assert_eq!(users.schema.as_deref(), Some("public"));
    let columns: Vec<(&str, &str, bool, bool)> = users
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.ty.as_str(), c.nullable, c.primary_key))
        .collect();
    assert_eq!(
        columns,
        vec![
            ("id", "bigint", false, true),
            ("org_id", "integer", false, false),
            ("email", "text", false, false),
            ("display_name", "text", true, false),
            ("phone", "text", true, false),
            ("last_login", "timestamp with time zone", true, false),
        ]
    );
    let org_fk = users.column("org_id").and_then(|c| c.foreign_key.clone());
    assert_eq!(
        org_fk.map(|f| format!("{}.{}", f.table, f.column)),
        Some("orgs.id".to_string())
    );

    let dir = fixtures_dir().join("schema/sql");
    let (workspace, _) = Workspace::load(&dir, Config::default()).expect("fixture exists");
    let code = workspace.inventory().tables;
    let shown = postgres::redact(&url);
    let drift = postgres::drift(&code, &db, &shown);
    let mut lines: Vec<String> = Vec::new();
    for t in &drift.only_in_database {
        lines.push(format!(
            "only in database: {}.{}",
            t.schema.as_deref().unwrap_or("?"),
            t.name
        ));
    }
    for t in &drift.only_in_code {
        lines.push(format!(
            "only in code: {}.{} at {}:{}",
            t.schema.as_deref().unwrap_or("public"),
            t.name,
            t.file,
            t.line
        ));
    }
    for c in &drift.columns {
        lines.push(format!(
            "{}.{} {} code={} database={}",
            c.table,
            c.column,
            c.kind,
            c.code.as_deref().unwrap_or("-"),
            c.database.as_deref().unwrap_or("-")
        ));
    }
    assert_eq!(
        lines,
        vec![
            "only in database: public.audit_log",
            "only in code: billing.invoices at db/migrations/0002_projects.sql:3",
            "public.users.display_name nullable code=not null database=null",
            "public.users.phone type code=varchar(32) database=text",
            "public.users.last_login only_in_database code=- database=timestamp with time zone",
        ],
        "{drift:#?}"
    );
    assert!(
        !drift.database.contains(password(&url)),
        "{}",
        drift.database
    );
}

fn password(url: &str) -> &str {
    url.split("://")
        .nth(1)
        .and_then(|rest| rest.split('@').next())
        .and_then(|userinfo| userinfo.split(':').nth(1))
        .unwrap_or("\u{0}no password\u{0}")
}

#[test]
fn live_postgres_through_the_command_line() {
    let Some(url) = test_database() else { return };
    let _turn = DATABASE.lock().unwrap_or_else(|e| e.into_inner());
    setup_database(&url);
    let dir = fixtures_dir().join("schema/sql");
    let bin = env!("CARGO_BIN_EXE_backend-brain");
    let out = std::process::Command::new(bin)
        .args([
            "inventory",
            &dir.to_string_lossy(),
            "--json",
            "--database-url",
            &url,
        ])
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stdout.contains(password(&url)) && !stderr.contains(password(&url)));
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["tables"].as_array().map(Vec::len), Some(3));
    assert_eq!(json["drift"]["only_in_database"][0]["name"], "audit_log");
    assert_eq!(json["drift"]["only_in_code"][0]["name"], "invoices");
    assert_eq!(json["drift"]["columns"].as_array().map(Vec::len), Some(3));
    // The documented contract covers tables and drift.
    let schema_text = std::fs::read_to_string(fixtures_dir().join("../docs/inventory.schema.json"))
        .expect("the JSON Schema");
    let schema: serde_json::Value = serde_json::from_str(&schema_text).expect("schema JSON");
    let validator = jsonschema::draft202012::new(&schema).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    // The table output has a drift section; the URL comes from the configured variable.
    let root = tempfile::tempdir().expect("temp dir");
    copy_dir(&dir, root.path());
    std::fs::write(
        root.path().join("backend-brain.toml"),
        "[database]\nurl_env = \"BB_TEST_SHOP_DB\"\n",
    )
    .expect("config written");
    let out = std::process::Command::new(bin)
        .args(["inventory", &root.path().to_string_lossy()])
        .env("BB_TEST_SHOP_DB", &url)
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stdout.contains(password(&url)), "{stdout}");
    assert!(
        stdout.contains("DRIFT against postgres://brain:***@"),
        "{stdout}"
    );
    assert!(
        stdout.contains("only in database  public.audit_log (2 columns)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("public.users.phone  type: code varchar(32) / database text"),
        "{stdout}"
    );

    // A wrong password fails with a message that does not show it.
    let wrong = url.replacen(password(&url), "not-the-password-42", 1);
    let out = std::process::Command::new(bin)
        .args([
            "inventory",
            &dir.to_string_lossy(),
            "--database-url",
            &wrong,
        ])
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("not-the-password-42"), "{stderr}");
    assert!(stderr.contains("brain:***@"), "{stderr}");
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("readable").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("dir created");
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("file copied");
        }
    }
}

/// The showcase's migrations parse without a skipped statement and yield every table they create.
#[test]
fn showcase_migrations_yield_their_tables() {
    let dir = fixtures_dir().join("showcase");
    let (workspace, problems) = Workspace::load(&dir, Config::default()).expect("showcase exists");
    let schema_problems: Vec<_> = problems
        .iter()
        .filter(|p| p.path.ends_with(".sql"))
        .collect();
    assert!(schema_problems.is_empty(), "{schema_problems:?}");
    let tables = workspace.inventory().tables;
    let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "auth_tokens",
            "bids",
            "conversation_reads",
            "conversations",
            "deliveries",
            "drivers",
            "garages",
            "messages",
            "notifications",
            "order_items",
            "orders",
            "part_categories",
            "part_fitments",
            "part_requests",
            "parts",
            "payments",
            "refresh_tokens",
            "reviews",
            "uploads",
            "users",
            "vehicles",
        ]
    );
    // Every foreign key points at a table and column that exist.
    for t in &tables {
        for c in &t.columns {
            if let Some(fk) = &c.foreign_key {
                let target = tables.iter().find(|x| x.name == fk.table);
                assert!(
                    target.is_some_and(|x| x.column(&fk.column).is_some()),
                    "{}.{} → {}.{}",
                    t.name,
                    c.name,
                    fk.table,
                    fk.column
                );
            }
        }
    }
    // The last migration's changes are applied.
    let users = tables.iter().find(|t| t.name == "users").expect("users");
    assert!(users.column("stripe_customer_id").is_some());
    assert!(users.column("push_token").is_some());
    let requests = tables
        .iter()
        .find(|t| t.name == "part_requests")
        .expect("part_requests");
    let photos = requests
        .column("photo_upload_ids")
        .expect("photo_upload_ids");
    assert_eq!((photos.ty.as_str(), photos.nullable), ("uuid[]", false));
}

/// The ORM readers take whatever a half-typed file gives them: every cut of the fixtures' code
/// still yields an inventory.
#[test]
fn truncated_orm_code_does_not_break_the_readers() {
    let files = [
        "typeorm/src/entities/order.entity.ts",
        "drizzle/src/db/schema.ts",
        "knex/migrations/20240101000000_create_accounts.js",
        "sequelize/src/models/index.ts",
    ];
    for rel in files {
        let path = fixtures_dir().join("schema").join(rel);
        let text = std::fs::read_to_string(&path).expect("fixture file");
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("x.ts");
        for cut in (0..=text.len())
            .step_by(11)
            .filter(|i| text.is_char_boundary(*i))
        {
            let mut ws = Workspace::new(fixtures_dir(), Config::default());
            ws.set_text(name, &text[..cut]).expect("parses");
            let _ = ws.inventory();
        }
    }
}

/// The showcase's migrations, run by PostgreSQL itself, give the database the code describes:
/// no drift at all.
#[test]
fn live_postgres_showcase_migrations_match_the_code() {
    let Some(url) = test_database() else { return };
    let _turn = DATABASE.lock().unwrap_or_else(|e| e.into_inner());
    let dir = fixtures_dir().join("showcase");
    let mut client = postgres_client(&url);
    client
        .batch_execute("DROP SCHEMA IF EXISTS billing CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        .expect("a clean schema");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("migrations"))
        .expect("migrations")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    for f in &files {
        let sql = std::fs::read_to_string(f).expect("migration");
        client
            .batch_execute(&sql)
            .unwrap_or_else(|e| panic!("{}: {e:?}", f.display()));
    }
    let db = postgres::introspect(&url).expect("introspection works");
    let (workspace, _) = Workspace::load(&dir, Config::default()).expect("showcase exists");
    let code = workspace.inventory().tables;
    assert_eq!(code.len(), 21);
    let drift = postgres::drift(&code, &db, &postgres::redact(&url));
    assert!(drift.is_empty(), "{drift:#?}");
}

/// Prisma's own migration, run by PostgreSQL: the database matches both the schema.prisma models
/// and the migration's SQL, so neither source shows drift.
#[test]
fn live_postgres_prisma_migration_matches_the_models() {
    let Some(url) = test_database() else { return };
    let _turn = DATABASE.lock().unwrap_or_else(|e| e.into_inner());
    let dir = fixtures_dir().join("schema/prisma");
    let mut client = postgres_client(&url);
    let migration =
        std::fs::read_to_string(dir.join("prisma/migrations/20240101120000_init/migration.sql"))
            .expect("migration");
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS billing CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public; {migration}"
        ))
        .expect("the migration runs");
    let db = postgres::introspect(&url).expect("introspection works");
    let (workspace, _) = Workspace::load(&dir, Config::default()).expect("fixture exists");
    let code = workspace.inventory().tables;
    assert_eq!(
        code.len(),
        8,
        "four models and the four tables of their migration"
    );
    let drift = postgres::drift(&code, &db, &postgres::redact(&url));
    assert!(drift.is_empty(), "{drift:#?}");
}
