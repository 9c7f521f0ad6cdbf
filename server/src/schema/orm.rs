//! Tables the TypeScript ORMs define, read from the per-file facts: TypeORM `@Entity` classes,
//! Drizzle `pgTable/mysqlTable/sqliteTable` calls, Knex `schema.createTable` callbacks (in
//! migration order, `down` functions left out), Sequelize `define`/`Model.init` models and
//! sequelize-typescript `@Table` classes.
//!
//! Foreign keys that name another entity, table variable or model are resolved across files by
//! name once every file has been read.

use std::collections::{HashMap, HashSet};

use crate::facts::{BindingInit, Class, Expr, FileFacts, FnId, Pattern, Prop, Scope};

use super::{migration_order, Column, ForeignKey, Index, Table};

/// One link of a call chain: `notNull` in `text('x').notNull()`.
struct Link<'a> {
    name: &'a str,
    args: &'a [Expr],
    /// 1-based line of the name token (0 for a property access).
    line: u32,
}

/// Splits `root.a(1).b().c` into its root (`root`, or `None` when the chain starts with a plain
/// call such as `serial('id')`) and its links in order. A property access is a link without
/// arguments.
fn chain(e: &Expr) -> (Option<&Expr>, Vec<Link<'_>>) {
    let mut links = Vec::new();
    let mut cur = e;
    let root = loop {
        match cur {
            Expr::Call(c) => match &c.callee {
                Expr::Member(obj, name, _) => {
                    links.push(Link {
                        name,
                        args: &c.args,
                        line: c.name_span.line + 1,
                    });
                    cur = obj;
                }
                Expr::Ident(name, _) => {
                    links.push(Link {
                        name,
                        args: &c.args,
                        line: c.name_span.line + 1,
                    });
                    break None;
                }
                other => break Some(other),
            },
            Expr::Member(obj, name, _) => {
                links.push(Link {
                    name,
                    args: &[],
                    line: 0,
                });
                cur = obj;
            }
            other => break Some(other),
        }
    };
    links.reverse();
    (root, links)
}

fn str_of(e: &Expr) -> Option<String> {
    match e {
        Expr::Str(s, _) => Some(s.clone()),
        Expr::Template(parts, _) => {
            let mut out = String::new();
            for p in parts {
                match p {
                    crate::facts::TemplatePart::Lit(s) => out.push_str(s),
                    crate::facts::TemplatePart::Expr(_) => return None,
                }
            }
            Some(out)
        }
        _ => None,
    }
}

fn num_of(e: &Expr) -> Option<String> {
    match e {
        Expr::Num(n) => Some(if n.fract() == 0.0 {
            format!("{}", *n as i64)
        } else {
            n.to_string()
        }),
        _ => None,
    }
}

fn bool_of(e: &Expr) -> Option<bool> {
    match e {
        Expr::Bool(b) => Some(*b),
        _ => None,
    }
}

fn props(e: &Expr) -> Option<&[Prop]> {
    match e {
        Expr::Object(p, _) => Some(p),
        _ => None,
    }
}

fn get<'a>(props: &'a [Prop], key: &str) -> Option<&'a Expr> {
    props.iter().rev().find_map(|p| match p {
        Prop::KeyValue(k, v) if k == key => Some(v),
        _ => None,
    })
}

fn get_str(props: &[Prop], key: &str) -> Option<String> {
    get(props, key).and_then(str_of)
}

fn get_bool(props: &[Prop], key: &str) -> Option<bool> {
    get(props, key).and_then(bool_of)
}

/// A literal as a SQL default: strings quoted, numbers and booleans as written.
fn literal_default(e: &Expr) -> Option<String> {
    if let Some(s) = str_of(e) {
        return Some(format!("'{s}'"));
    }
    num_of(e).or_else(|| bool_of(e).map(|b| b.to_string()))
}

fn line_of(e: &Expr) -> u32 {
    e.span().map(|s| s.line + 1).unwrap_or(1)
}

/// `OrderItem` → `order_item` (TypeORM's default table names, Sequelize's `underscored`).
pub fn snake_case(s: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if i > 0 && (prev_lower || (next_lower && chars[i - 1].is_uppercase())) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Sequelize's default table name: the model name in the plural (`User` → `Users`).
fn plural(s: &str) -> String {
    if s.ends_with("lf") || s.ends_with("rf") {
        format!("{}ves", &s[..s.len() - 1])
    } else if s.ends_with("fe") && !s.ends_with("ffe") {
        format!("{}ves", &s[..s.len() - 2])
    } else if s.ends_with('y') && !s.ends_with("ay") && !s.ends_with("ey") && !s.ends_with("oy") {
        format!("{}ies", &s[..s.len() - 1])
    } else if s.ends_with('s') || s.ends_with('x') || s.ends_with("ch") || s.ends_with("sh") {
        format!("{s}es")
    } else {
        format!("{s}s")
    }
}

/// A foreign key to resolve once all files are read.
enum Pending {
    /// A TypeORM relation to an entity class: the column takes the target's primary key.
    Entity {
        class: String,
        column: Option<String>,
    },
    /// A Drizzle `references(() => table.key)`.
    DrizzleKey { var: String, key: String },
    /// A Sequelize `references: { model: User }` (a model variable) or `model: 'users'`.
    Model { model: String, key: String },
}

#[derive(Default)]
struct Reader {
    tables: Vec<Table>,
    pending: Vec<(usize, String, Pending)>,
    /// TypeORM entity class name → table index.
    entities: HashMap<String, usize>,
    /// Drizzle table variable → (table index, property key → column name).
    drizzle: HashMap<String, (usize, HashMap<String, String>)>,
    /// Sequelize model variable or class → table index.
    models: HashMap<String, usize>,
    /// TypeORM `@ManyToMany` + `@JoinTable` relations, made into junction tables at the end.
    junctions: Vec<Junction>,
}

struct Junction {
    owner: usize,
    property: String,
    target: String,
    name: Option<String>,
    join_column: Option<String>,
    inverse_column: Option<String>,
    line: u32,
}

/// `order_item_id` → `orderItemId` (TypeORM's junction column names).
fn camel_case(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('_').filter(|p| !p.is_empty()).enumerate() {
        if i == 0 {
            out.push_str(part);
        } else {
            out.push_str(&capitalize(part));
        }
    }
    out
}

pub fn tables(sources: &[(&str, &FileFacts)]) -> Vec<Table> {
    let mut r = Reader::default();
    // TypeORM base classes (abstract, no `@Entity`) whose columns entities inherit.
    let mut bases: HashMap<String, (&FileFacts, &Class)> = HashMap::new();
    for (_, facts) in sources {
        for class in &facts.classes {
            if let Some(name) = &class.name {
                if decorator(class_decorators(class), "Entity").is_none()
                    && class.fields.iter().any(is_column_field)
                {
                    bases.insert(name.clone(), (facts, class));
                }
            }
        }
    }
    for (path, facts) in sources {
        typeorm(&mut r, path, facts, &bases);
        drizzle(&mut r, path, facts);
        sequelize(&mut r, path, facts);
        sequelize_typescript(&mut r, path, facts);
    }
    let mut knex_files: Vec<&(&str, &FileFacts)> = sources.iter().collect();
    knex_files.sort_by(|a, b| migration_order(a.0, b.0));
    let mut knex_tables: HashMap<String, usize> = HashMap::new();
    for (path, facts) in knex_files {
        knex(&mut r, &mut knex_tables, path, facts);
    }
    r.resolve();
    r.tables.retain(|t| !t.name.is_empty());
    r.tables
}

impl Reader {
    fn resolve(&mut self) {
        for j in std::mem::take(&mut self.junctions) {
            let Some(&target) = self.entities.get(&j.target) else {
                continue;
            };
            let owner = &self.tables[j.owner];
            let (owner_name, target_name) = (owner.name.clone(), self.tables[target].name.clone());
            let owner_pk = self.primary_key(j.owner);
            let target_pk = self.primary_key(target);
            let mut t = Table::new(
                j.name.unwrap_or_else(|| {
                    snake_case(&format!("{owner_name}_{}_{target_name}", j.property))
                }),
                &owner.file,
                j.line,
                "typeorm",
            );
            t.schema = owner.schema.clone();
            for (column, table, pk) in [
                (
                    j.join_column
                        .unwrap_or_else(|| camel_case(&format!("{owner_name}_{owner_pk}"))),
                    j.owner,
                    owner_pk,
                ),
                (
                    j.inverse_column
                        .unwrap_or_else(|| camel_case(&format!("{target_name}_{target_pk}"))),
                    target,
                    target_pk,
                ),
            ] {
                let referenced = &self.tables[table];
                let mut c = Column::new(
                    column,
                    referenced
                        .column(&pk)
                        .map(|c| c.ty.clone())
                        .unwrap_or_else(|| "?".into()),
                );
                c.primary_key = true;
                c.nullable = false;
                c.foreign_key = Some(ForeignKey {
                    table: referenced.name.clone(),
                    column: pk,
                });
                t.columns.push(c);
            }
            self.tables.push(t);
        }
        let pending = std::mem::take(&mut self.pending);
        for (table, column, p) in pending {
            let target = match p {
                Pending::Entity { class, column } => self.entities.get(&class).map(|&t| {
                    let pk = column.unwrap_or_else(|| self.primary_key(t));
                    (self.tables[t].name.clone(), pk)
                }),
                Pending::DrizzleKey { var, key } => self.drizzle.get(&var).map(|(t, keys)| {
                    (
                        self.tables[*t].name.clone(),
                        keys.get(&key).cloned().unwrap_or(key),
                    )
                }),
                Pending::Model { model, key } => Some(match self.models.get(&model) {
                    Some(&t) => (self.tables[t].name.clone(), key),
                    None => (model, key),
                }),
            };
            let ty = target.as_ref().and_then(|(t, c)| {
                self.tables
                    .iter()
                    .find(|x| &x.name == t)
                    .and_then(|x| x.column(c))
                    .map(|c| c.ty.clone())
            });
            if let Some(c) = self.tables[table].column_mut(&column) {
                if let Some((t, col)) = target {
                    c.foreign_key = Some(ForeignKey {
                        table: t,
                        column: col,
                    });
                }
                if c.ty == "?" {
                    if let Some(ty) = ty {
                        c.ty = match ty.as_str() {
                            "serial" => "integer".to_string(),
                            "bigserial" => "bigint".to_string(),
                            _ => ty,
                        };
                    }
                }
            }
        }
    }

    fn primary_key(&self, t: usize) -> String {
        self.tables[t]
            .columns
            .iter()
            .find(|c| c.primary_key)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| "id".to_string())
    }
}

// ---------------------------------------------------------------------------------------------
// TypeORM

fn class_decorators(class: &Class) -> &[crate::facts::Decorator] {
    &class.decorators
}

/// The decorator named `name` (`@Name` or `@Name(...)`), with its arguments.
fn decorator<'a>(decorators: &'a [crate::facts::Decorator], name: &str) -> Option<&'a [Expr]> {
    decorators.iter().find_map(|d| match &d.expr {
        Expr::Call(c) => match &c.callee {
            Expr::Ident(n, _) if n == name => Some(c.args.as_slice()),
            Expr::Member(_, n, _) if n == name => Some(c.args.as_slice()),
            _ => None,
        },
        Expr::Ident(n, _) if n == name => Some(&[][..]),
        _ => None,
    })
}

const COLUMN_DECORATORS: [&str; 8] = [
    "Column",
    "PrimaryColumn",
    "PrimaryGeneratedColumn",
    "CreateDateColumn",
    "UpdateDateColumn",
    "DeleteDateColumn",
    "VersionColumn",
    "ObjectIdColumn",
];

fn is_column_field(f: &crate::facts::Field) -> bool {
    COLUMN_DECORATORS
        .iter()
        .chain(["ManyToOne", "OneToOne"].iter())
        .any(|d| decorator(&f.decorators, d).is_some())
}

/// The column type TypeORM gives a property type when none is written.
fn typeorm_type(ts: Option<&str>) -> &'static str {
    match ts.map(|t| t.trim_end_matches(" | null").trim()) {
        Some("string") => "varchar",
        Some("number") => "integer",
        Some("boolean") => "boolean",
        Some("Date") => "timestamp",
        Some("bigint") => "bigint",
        _ => "?",
    }
}

fn typeorm(
    r: &mut Reader,
    path: &str,
    facts: &FileFacts,
    bases: &HashMap<String, (&FileFacts, &Class)>,
) {
    for class in &facts.classes {
        let Some(args) = decorator(&class.decorators, "Entity") else {
            continue;
        };
        let class_name = class.name.clone().unwrap_or_default();
        let mut name = None;
        let mut schema = None;
        for a in args {
            if let Some(s) = str_of(a) {
                name = Some(s);
            } else if let Some(p) = props(a) {
                name = get_str(p, "name").or(name);
                schema = get_str(p, "schema");
            }
        }
        let mut t = Table::new(
            name.unwrap_or_else(|| snake_case(&class_name)),
            path,
            class.name_span.line + 1,
            "typeorm",
        );
        t.schema = schema;
        t.model = Some(class_name.clone());
        let id = r.tables.len();
        r.tables.push(t);
        r.entities.insert(class_name, id);
        // Inherited columns first, as TypeORM orders them.
        let mut chain_of_bases = Vec::new();
        let mut next = class.extends.as_ref();
        let mut seen = HashSet::new();
        while let Some(Expr::Ident(base, _)) = next {
            if !seen.insert(base.clone()) {
                break;
            }
            match bases.get(base) {
                Some((base_facts, base_class)) => {
                    chain_of_bases.push((*base_facts, *base_class));
                    next = base_class.extends.as_ref();
                }
                None => break,
            }
        }
        for (base_facts, base_class) in chain_of_bases.iter().rev() {
            typeorm_fields(r, id, base_facts, base_class);
        }
        typeorm_fields(r, id, facts, class);
    }
}

fn typeorm_fields(r: &mut Reader, id: usize, facts: &FileFacts, class: &Class) {
    for field in &class.fields {
        let ds = &field.decorators;
        if let (Some(args), Some(join)) = (decorator(ds, "ManyToMany"), decorator(ds, "JoinTable"))
        {
            let options = join.first().and_then(props);
            let column_of = |key: &str| {
                options
                    .and_then(|o| get(o, key))
                    .and_then(props)
                    .and_then(|p| get_str(p, "name"))
            };
            if let Some(target) = args.first().and_then(|a| match a {
                Expr::Function(f) => facts.function(*f).and_then(|f| match f.returns.first() {
                    Some(Expr::Ident(n, _)) => Some(n.clone()),
                    _ => None,
                }),
                other => str_of(other),
            }) {
                r.junctions.push(Junction {
                    owner: id,
                    property: field.name.clone(),
                    target,
                    name: options.and_then(|o| get_str(o, "name")),
                    join_column: column_of("joinColumn"),
                    inverse_column: column_of("inverseJoinColumn"),
                    line: field.span.line + 1,
                });
            }
            continue;
        }
        let relation = decorator(ds, "ManyToOne").or_else(|| {
            decorator(ds, "OneToOne").filter(|_| decorator(ds, "JoinColumn").is_some())
        });
        if let Some(args) = relation {
            let join = decorator(ds, "JoinColumn")
                .and_then(|a| a.first())
                .and_then(props);
            let referenced = join.and_then(|p| get_str(p, "referencedColumnName"));
            let column = join.and_then(|p| get_str(p, "name")).unwrap_or_else(|| {
                format!(
                    "{}{}",
                    field.name,
                    capitalize(referenced.as_deref().unwrap_or("id"))
                )
            });
            let options = args.iter().find_map(props);
            let target = args.first().and_then(|a| match a {
                Expr::Function(f) => facts.function(*f).and_then(|f| match f.returns.first() {
                    Some(Expr::Ident(n, _)) => Some(n.clone()),
                    _ => None,
                }),
                other => str_of(other),
            });
            let t = &mut r.tables[id];
            if t.column(&column).is_none() {
                let mut c = Column::new(column.clone(), "?");
                c.nullable = options
                    .and_then(|p| get_bool(p, "nullable"))
                    .unwrap_or(true);
                t.columns.push(c);
            }
            if let Some(class) = target {
                r.pending.push((
                    id,
                    column,
                    Pending::Entity {
                        class,
                        column: referenced,
                    },
                ));
            }
            continue;
        }
        let Some((kind, args)) = COLUMN_DECORATORS
            .iter()
            .find_map(|d| decorator(ds, d).map(|a| (*d, a)))
        else {
            continue;
        };
        let mut written_type = None;
        let mut options: Option<&[Prop]> = None;
        for a in args {
            if let Some(s) = str_of(a) {
                written_type = Some(s);
            } else if let Some(p) = props(a) {
                options = Some(p);
            }
        }
        let opt_str = |k: &str| options.and_then(|p| get_str(p, k));
        let opt_bool = |k: &str| options.and_then(|p| get_bool(p, k));
        let name = opt_str("name").unwrap_or_else(|| field.name.clone());
        let mut ty = match kind {
            "PrimaryGeneratedColumn" => match written_type.as_deref() {
                Some("uuid") => "uuid".to_string(),
                _ => "integer".to_string(),
            },
            "CreateDateColumn" | "UpdateDateColumn" | "DeleteDateColumn" => {
                opt_str("type").unwrap_or_else(|| "timestamp".to_string())
            }
            "VersionColumn" => "integer".to_string(),
            _ => opt_str("type")
                .or(written_type)
                .unwrap_or_else(|| typeorm_type(field.ty.as_deref()).to_string()),
        };
        if options.and_then(|p| get(p, "enum")).is_some() && opt_str("enumName").is_none() {
            ty = format!("{}_{}_enum", r.tables[id].name, name);
        } else if let Some(e) = opt_str("enumName") {
            ty = e;
        }
        if let Some(len) = options
            .and_then(|p| get(p, "length"))
            .and_then(|e| num_of(e).or_else(|| str_of(e)))
        {
            ty = format!("{ty}({len})");
        } else if let (Some(p), Some(s)) = (
            options.and_then(|p| get(p, "precision")).and_then(num_of),
            options.and_then(|p| get(p, "scale")).and_then(num_of),
        ) {
            ty = format!("{ty}({p},{s})");
        }
        if opt_bool("array") == Some(true) {
            ty.push_str("[]");
        }
        let mut c = Column::new(name.clone(), ty);
        c.primary_key = matches!(kind, "PrimaryColumn" | "PrimaryGeneratedColumn")
            || opt_bool("primary") == Some(true);
        c.nullable =
            !c.primary_key && (kind == "DeleteDateColumn" || opt_bool("nullable") == Some(true));
        c.default = match kind {
            "CreateDateColumn" | "UpdateDateColumn" => Some("now()".to_string()),
            "PrimaryGeneratedColumn" if c.ty == "uuid" => Some("uuid_generate_v4()".to_string()),
            _ => options
                .and_then(|p| get(p, "default"))
                .and_then(|e| match e {
                    Expr::Function(f) => facts
                        .function(*f)
                        .and_then(|f| f.returns.first())
                        .and_then(str_of),
                    Expr::Member(obj, key, _) => match obj.as_ref() {
                        // `default: Tier.Free`: a member of an enum declared in the file.
                        Expr::Ident(e, _) => facts.bindings.iter().find_map(|b| match &b.init {
                            BindingInit::Enum(members) if &b.name == e => members
                                .iter()
                                .find(|(k, _)| k == key)
                                .and_then(|(_, v)| literal_default(v)),
                            _ => None,
                        }),
                        _ => None,
                    },
                    other => literal_default(other),
                }),
        };
        if opt_bool("unique") == Some(true) {
            r.tables[id].indexes.push(Index {
                name: None,
                columns: vec![name.clone()],
                unique: true,
            });
        }
        let t = &mut r.tables[id];
        match t.column_mut(&name) {
            // A relation declared first made the column; the explicit column says more.
            Some(existing) => {
                let fk = existing.foreign_key.take();
                *existing = c;
                existing.foreign_key = fk;
            }
            None => t.columns.push(c),
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Drizzle

const DRIZZLE_TABLES: [&str; 3] = ["pgTable", "mysqlTable", "sqliteTable"];

fn drizzle(r: &mut Reader, path: &str, facts: &FileFacts) {
    // `pgEnum('role', [...])` bindings: the builder name → the enum's type name;
    // `pgSchema('auth')` bindings: the schema variable → the schema name.
    let mut enums: HashMap<&str, String> = HashMap::new();
    let mut schemas: HashMap<&str, String> = HashMap::new();
    for b in facts.bindings.iter().filter(|b| b.scope.is_none()) {
        if let BindingInit::Expr(e) = &b.init {
            let (root, links) = chain(e);
            match (root, links.as_slice()) {
                (None, [l]) if matches!(l.name, "pgEnum" | "mysqlEnum") => {
                    if let Some(n) = l.args.first().and_then(str_of) {
                        enums.insert(&b.name, n);
                    }
                }
                (None, [l]) if l.name == "pgSchema" => {
                    if let Some(n) = l.args.first().and_then(str_of) {
                        schemas.insert(&b.name, n);
                    }
                }
                _ => {}
            }
        }
    }
    for b in facts.bindings.iter().filter(|b| b.scope.is_none()) {
        let BindingInit::Expr(e) = &b.init else {
            continue;
        };
        let (root, links) = chain(e);
        let (schema, call) = match (root, links.as_slice()) {
            (None, [l, ..]) if DRIZZLE_TABLES.contains(&l.name) => (None, l),
            (Some(Expr::Ident(v, _)), [l, ..])
                if l.name == "table" && schemas.contains_key(v.as_str()) =>
            {
                (schemas.get(v.as_str()).cloned(), l)
            }
            _ => continue,
        };
        let (Some(name), Some(columns)) = (
            call.args.first().and_then(str_of),
            call.args.get(1).and_then(props),
        ) else {
            continue;
        };
        let mut t = Table::new(name, path, line_of(e), "drizzle");
        t.schema = schema;
        t.model = Some(b.name.clone());
        let id = r.tables.len();
        let mut keys = HashMap::new();
        let mut pending = Vec::new();
        for p in columns {
            let Prop::KeyValue(key, value) = p else {
                continue;
            };
            let (None, links) = chain(value) else {
                continue;
            };
            let Some((builder, modifiers)) = links.split_first() else {
                continue;
            };
            let column_name = builder
                .args
                .first()
                .and_then(str_of)
                .unwrap_or_else(|| key.clone());
            let options = builder.args.iter().find_map(props);
            let ty = drizzle_type(builder.name, options, &enums);
            let mut c = Column::new(column_name.clone(), ty);
            if matches!(builder.name, "serial" | "bigserial" | "smallserial") {
                c.nullable = false;
            }
            for m in modifiers {
                match m.name {
                    "notNull" => c.nullable = false,
                    "primaryKey" => {
                        c.primary_key = true;
                        c.nullable = false;
                    }
                    "default" => c.default = m.args.first().and_then(sql_default),
                    "defaultNow" => c.default = Some("now()".to_string()),
                    "defaultRandom" => c.default = Some("gen_random_uuid()".to_string()),
                    "array" => c.ty.push_str("[]"),
                    "unique" => t.indexes.push(Index {
                        name: m.args.first().and_then(str_of),
                        columns: vec![column_name.clone()],
                        unique: true,
                    }),
                    "references" => {
                        let target = m.args.first().and_then(|a| match a {
                            Expr::Function(f) => facts.function(*f).and_then(|f| f.returns.first()),
                            _ => None,
                        });
                        if let Some(Expr::Member(obj, k, _)) = target {
                            if let Expr::Ident(var, _) = obj.as_ref() {
                                pending.push((
                                    column_name.clone(),
                                    Pending::DrizzleKey {
                                        var: var.clone(),
                                        key: k.clone(),
                                    },
                                ));
                            }
                        }
                    }
                    _ => {}
                }
            }
            keys.insert(key.clone(), column_name);
            t.columns.push(c);
        }
        // The extra config: `(t) => ({ pk: primaryKey({ columns: [t.a, t.b] }), ... })` or `[...]`.
        if let Some(Expr::Function(f)) = call.args.get(2) {
            if let Some(function) = facts.function(*f) {
                let items: Vec<&Expr> = match function.returns.first() {
                    Some(Expr::Object(ps, _)) => ps
                        .iter()
                        .filter_map(|p| match p {
                            Prop::KeyValue(_, v) => Some(v),
                            _ => None,
                        })
                        .collect(),
                    Some(Expr::Array(xs)) => xs.iter().collect(),
                    _ => Vec::new(),
                };
                for item in items {
                    drizzle_extra(&mut t, item, &keys);
                }
            }
        }
        r.tables.push(t);
        r.pending
            .extend(pending.into_iter().map(|(c, p)| (id, c, p)));
        r.drizzle.insert(b.name.clone(), (id, keys));
    }
}

fn drizzle_extra(t: &mut Table, item: &Expr, keys: &HashMap<String, String>) {
    let (None, links) = chain(item) else { return };
    let column_of = |e: &Expr| match e {
        Expr::Member(_, k, _) => Some(keys.get(k).cloned().unwrap_or_else(|| k.clone())),
        _ => None,
    };
    let Some(first) = links.first() else { return };
    match first.name {
        "primaryKey" => {
            let cols: Vec<String> = match first.args.first() {
                Some(Expr::Object(p, _)) => match get(p, "columns") {
                    Some(Expr::Array(xs)) => xs.iter().filter_map(column_of).collect(),
                    _ => Vec::new(),
                },
                _ => first.args.iter().filter_map(column_of).collect(),
            };
            for c in &mut t.columns {
                if cols.contains(&c.name) {
                    c.primary_key = true;
                    c.nullable = false;
                }
            }
        }
        "index" | "uniqueIndex" | "unique" => {
            let on = links.iter().find(|l| l.name == "on");
            t.indexes.push(Index {
                name: first.args.first().and_then(str_of),
                columns: on
                    .map(|l| l.args.iter().filter_map(column_of).collect())
                    .unwrap_or_default(),
                unique: first.name != "index",
            });
        }
        _ => {}
    }
}

fn drizzle_type(builder: &str, options: Option<&[Prop]>, enums: &HashMap<&str, String>) -> String {
    if let Some(e) = enums.get(builder) {
        return e.clone();
    }
    let opt_num = |k: &str| options.and_then(|p| get(p, k)).and_then(num_of);
    let base = match builder {
        "doublePrecision" => "double precision".to_string(),
        "timestamp" if options.and_then(|p| get_bool(p, "withTimezone")) == Some(true) => {
            "timestamptz".to_string()
        }
        "bigint" | "bigserial" => builder.to_string(),
        other => snake_case(other).replace('_', " "),
    };
    if let Some(len) = opt_num("length") {
        return format!("{base}({len})");
    }
    match (opt_num("precision"), opt_num("scale")) {
        (Some(p), Some(s)) => format!("{base}({p},{s})"),
        (Some(p), None) if base.starts_with("timestamp") => {
            base.replacen("timestamp", &format!("timestamp({p})"), 1)
        }
        _ => base,
    }
}

/// A Drizzle `default(...)`: a literal, or a `sql\`...\`` fragment's text.
fn sql_default(e: &Expr) -> Option<String> {
    if let Expr::Call(c) = e {
        if let (Expr::Ident(n, _), Some(t)) = (&c.callee, c.args.first()) {
            if n == "sql" {
                return str_of(t);
            }
        }
    }
    literal_default(e)
}

// ---------------------------------------------------------------------------------------------
// Knex

/// Functions that undo a migration (`exports.down = ...`, `export async function down`).
fn down_functions(facts: &FileFacts) -> HashSet<FnId> {
    let mut out: HashSet<FnId> = facts
        .functions
        .iter()
        .enumerate()
        .filter(|(_, f)| f.name.as_deref() == Some("down") && f.parent.is_none())
        .map(|(i, _)| i as FnId)
        .collect();
    for a in &facts.assignments {
        if let (Expr::Member(_, name, _), Expr::Function(f)) = (&a.target, &a.value) {
            if name == "down" {
                out.insert(*f);
            }
        }
    }
    for b in &facts.bindings {
        if b.name == "down" && b.scope.is_none() {
            if let BindingInit::Expr(Expr::Function(f)) | BindingInit::Function(f) = &b.init {
                out.insert(*f);
            }
        }
    }
    out
}

fn within(facts: &FileFacts, mut scope: Scope, set: &HashSet<FnId>) -> bool {
    while let Some(f) = scope {
        if set.contains(&f) {
            return true;
        }
        scope = facts.function(f).and_then(|f| f.parent);
    }
    false
}

fn knex(r: &mut Reader, known: &mut HashMap<String, usize>, path: &str, facts: &FileFacts) {
    let downs = down_functions(facts);
    for site in &facts.calls {
        if within(facts, site.scope, &downs) {
            continue;
        }
        let (_, links) = chain(&site.expr);
        // `knex.schema` (or `knex.schema.withSchema('s')`) must appear in the chain.
        let Some(schema_at) = links.iter().position(|l| l.name == "schema") else {
            continue;
        };
        let mut schema_name = None;
        for l in &links[schema_at + 1..] {
            match l.name {
                "withSchema" => schema_name = l.args.first().and_then(str_of),
                "createTable" | "createTableIfNotExists" | "alterTable" | "table" => {
                    let (Some(name), Some(Expr::Function(f))) =
                        (l.args.first().and_then(str_of), l.args.get(1))
                    else {
                        continue;
                    };
                    let id = if l.name.starts_with("create") {
                        if known.contains_key(&name) {
                            continue;
                        }
                        let mut t = Table::new(name.clone(), path, l.line, "knex");
                        t.schema = schema_name.clone();
                        r.tables.push(t);
                        known.insert(name.clone(), r.tables.len() - 1);
                        r.tables.len() - 1
                    } else {
                        match known.get(&name) {
                            Some(&id) => id,
                            None => continue,
                        }
                    };
                    knex_builder(r, id, facts, *f);
                }
                "dropTable" | "dropTableIfExists" => {
                    if let Some(id) = l
                        .args
                        .first()
                        .and_then(str_of)
                        .and_then(|n| known.remove(&n))
                    {
                        r.tables[id].name.clear();
                    }
                }
                "renameTable" => {
                    if let (Some(from), Some(to)) = (
                        l.args.first().and_then(str_of),
                        l.args.get(1).and_then(str_of),
                    ) {
                        if let Some(id) = known.remove(&from) {
                            r.tables[id].name = to.clone();
                            known.insert(to, id);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

fn knex_type(method: &str, args: &[Expr]) -> Option<String> {
    let n = |i: usize| args.get(i).and_then(num_of);
    Some(match method {
        "increments" => "serial".into(),
        "bigIncrements" => "bigserial".into(),
        "integer" => "integer".into(),
        "bigInteger" | "bigint" => "bigint".into(),
        "smallint" | "tinyint" | "mediumint" => "smallint".into(),
        "text" => "text".into(),
        "string" => format!("varchar({})", n(1).unwrap_or_else(|| "255".into())),
        "float" => "real".into(),
        "double" => "double precision".into(),
        "decimal" => format!(
            "decimal({},{})",
            n(1).unwrap_or_else(|| "8".into()),
            n(2).unwrap_or_else(|| "2".into())
        ),
        "boolean" => "boolean".into(),
        "date" => "date".into(),
        "datetime" | "timestamp" => "timestamptz".into(),
        "time" => "time".into(),
        "binary" => "bytea".into(),
        "json" => "json".into(),
        "jsonb" => "jsonb".into(),
        "uuid" => "uuid".into(),
        "enu" | "enum" => args
            .get(2)
            .and_then(props)
            .filter(|p| get_bool(p, "useNative") == Some(true))
            .and_then(|p| get_str(p, "enumName"))
            .unwrap_or_else(|| "text".into()),
        "specificType" => args.get(1).and_then(str_of)?.to_lowercase(),
        _ => return None,
    })
}

fn knex_builder(r: &mut Reader, id: usize, facts: &FileFacts, f: FnId) {
    let Some(param) = facts.function(f).and_then(|f| f.params.first()) else {
        return;
    };
    let Pattern::Ident(t_name, _) = &param.pattern else {
        return;
    };
    for site in facts.calls.iter().filter(|c| c.scope == Some(f)) {
        let (Some(Expr::Ident(root, _)), links) = chain(&site.expr) else {
            continue;
        };
        if root != t_name {
            continue;
        }
        let Some((first, modifiers)) = links.split_first() else {
            continue;
        };
        let table = &mut r.tables[id];
        let names = |e: Option<&Expr>| -> Vec<String> {
            match e {
                Some(Expr::Array(xs)) => xs.iter().filter_map(str_of).collect(),
                Some(other) => str_of(other).into_iter().collect(),
                None => Vec::new(),
            }
        };
        match first.name {
            "timestamps" => {
                let not_null_now = first.args.get(1).and_then(bool_of) == Some(true);
                for name in ["created_at", "updated_at"] {
                    let mut c = Column::new(name, "timestamptz");
                    if not_null_now {
                        c.nullable = false;
                        c.default = Some("CURRENT_TIMESTAMP".into());
                    }
                    table.columns.push(c);
                }
            }
            "dropColumn" | "dropColumns" => {
                let gone: Vec<String> = first.args.iter().filter_map(str_of).collect();
                table.columns.retain(|c| !gone.contains(&c.name));
            }
            "renameColumn" => {
                if let (Some(from), Some(to)) = (
                    first.args.first().and_then(str_of),
                    first.args.get(1).and_then(str_of),
                ) {
                    if let Some(c) = table.column_mut(&from) {
                        c.name = to;
                    }
                }
            }
            "primary" => {
                let cols = names(first.args.first());
                for c in &mut table.columns {
                    if cols.contains(&c.name) {
                        c.primary_key = true;
                        c.nullable = false;
                    }
                }
            }
            "unique" | "index" => table.indexes.push(Index {
                name: first.args.get(1).and_then(str_of),
                columns: names(first.args.first()),
                unique: first.name == "unique",
            }),
            "foreign" => {
                let cols = names(first.args.first());
                if let Some(target) = knex_reference(modifiers) {
                    for c in cols {
                        if let Some(col) = table.column_mut(&c) {
                            col.foreign_key = Some(target.clone());
                        }
                    }
                }
            }
            method => {
                let Some(name) = first.args.first().and_then(str_of) else {
                    continue;
                };
                let Some(ty) = knex_type(method, first.args) else {
                    continue;
                };
                let mut c = Column::new(name.clone(), ty);
                if matches!(method, "increments" | "bigIncrements") {
                    c.primary_key = true;
                    c.nullable = false;
                }
                let mut alter = false;
                for m in modifiers {
                    match m.name {
                        "notNullable" => c.nullable = false,
                        "nullable" => c.nullable = true,
                        "primary" => {
                            c.primary_key = true;
                            c.nullable = false;
                        }
                        "defaultTo" => {
                            c.default = m.args.first().and_then(|a| match a {
                                Expr::Call(call) => match chain(a).1.last() {
                                    Some(l) if l.name == "raw" || l.name == "fn" => {
                                        call.args.first().and_then(str_of)
                                    }
                                    Some(l) if l.name == "now" => Some("CURRENT_TIMESTAMP".into()),
                                    _ => None,
                                },
                                other => literal_default(other),
                            })
                        }
                        "unique" => table.indexes.push(Index {
                            name: None,
                            columns: vec![name.clone()],
                            unique: true,
                        }),
                        "index" => table.indexes.push(Index {
                            name: None,
                            columns: vec![name.clone()],
                            unique: false,
                        }),
                        "alter" => alter = true,
                        _ => {}
                    }
                }
                c.foreign_key = knex_reference(modifiers);
                match table.column_mut(&name) {
                    Some(existing) if alter => *existing = c,
                    Some(_) => {}
                    None => table.columns.push(c),
                }
            }
        }
    }
}

/// `.references('id').inTable('users')` or `.references('users.id')`.
fn knex_reference(modifiers: &[Link<'_>]) -> Option<ForeignKey> {
    let refs = modifiers
        .iter()
        .find(|m| m.name == "references")?
        .args
        .first()
        .and_then(str_of)?;
    let in_table = modifiers
        .iter()
        .find(|m| m.name == "inTable")
        .and_then(|m| m.args.first())
        .and_then(str_of);
    match (in_table, refs.rsplit_once('.')) {
        (Some(table), _) => Some(ForeignKey {
            table,
            column: refs,
        }),
        (None, Some((table, column))) => Some(ForeignKey {
            table: table.rsplit('.').next().unwrap_or(table).to_string(),
            column: column.to_string(),
        }),
        (None, None) => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Sequelize

fn sequelize_type(e: &Expr, table: &str, column: &str) -> String {
    let (_, links) = chain(e);
    let Some(last) = links.iter().rev().find(|l| {
        l.name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    }) else {
        return "?".into();
    };
    let n = |i: usize| last.args.get(i).and_then(num_of);
    match last.name {
        "STRING" => format!("varchar({})", n(0).unwrap_or_else(|| "255".into())),
        "CHAR" => format!("char({})", n(0).unwrap_or_else(|| "255".into())),
        "TEXT" | "CITEXT" => last.name.to_lowercase(),
        "INTEGER" => "integer".into(),
        "BIGINT" => "bigint".into(),
        "SMALLINT" | "TINYINT" => "smallint".into(),
        "FLOAT" => "float".into(),
        "REAL" => "real".into(),
        "DOUBLE" => "double precision".into(),
        "DECIMAL" => match (n(0), n(1)) {
            (Some(p), Some(s)) => format!("decimal({p},{s})"),
            _ => "decimal".into(),
        },
        "BOOLEAN" => "boolean".into(),
        "DATE" => "timestamptz".into(),
        "DATEONLY" => "date".into(),
        "TIME" => "time".into(),
        "UUID" => "uuid".into(),
        "JSON" => "json".into(),
        "JSONB" => "jsonb".into(),
        "BLOB" => "bytea".into(),
        "ENUM" => format!("enum_{table}_{column}"),
        "ARRAY" => format!(
            "{}[]",
            last.args
                .first()
                .map(|a| sequelize_type(a, table, column))
                .unwrap_or_else(|| "?".into())
        ),
        _ => "?".into(),
    }
}

fn sequelize(r: &mut Reader, path: &str, facts: &FileFacts) {
    // Classes extending `Model` (by name), for `User.init(...)`.
    let model_classes: HashSet<&str> = facts
        .classes
        .iter()
        .filter(|c| {
            matches!(&c.extends, Some(Expr::Ident(n, _)) if n == "Model")
                || matches!(&c.extends, Some(Expr::Member(_, n, _)) if n == "Model")
        })
        .filter_map(|c| c.name.as_deref())
        .collect();
    // `const User = sequelize.define(...)`: the call's start → the variable it is stored in.
    let mut stored: HashMap<u32, &str> = HashMap::new();
    for b in &facts.bindings {
        if let BindingInit::Expr(e @ Expr::Call(_)) = &b.init {
            if let Some(s) = e.span() {
                stored.insert(s.start, &b.name);
            }
        }
    }
    for site in &facts.calls {
        let Expr::Call(call) = &site.expr else {
            continue;
        };
        let Expr::Member(obj, method, _) = &call.callee else {
            continue;
        };
        let (model_name, attrs, options, var) = match method.as_str() {
            "define" => {
                let (Some(name), Some(attrs)) = (
                    call.args.first().and_then(str_of),
                    call.args.get(1).and_then(props),
                ) else {
                    continue;
                };
                let var = stored.get(&call.span.start).map(|s| s.to_string());
                (name, attrs, call.args.get(2).and_then(props), var)
            }
            "init" => {
                let Expr::Ident(class, _) = obj.as_ref() else {
                    continue;
                };
                let (Some(attrs), options) = (
                    call.args.first().and_then(props),
                    call.args.get(1).and_then(props),
                ) else {
                    continue;
                };
                let is_model = model_classes.contains(class.as_str())
                    || options.is_some_and(|o| get(o, "sequelize").is_some());
                if !is_model {
                    continue;
                }
                let name = options
                    .and_then(|o| get_str(o, "modelName"))
                    .unwrap_or_else(|| class.clone());
                (name, attrs, options, Some(class.clone()))
            }
            _ => continue,
        };
        let opt_bool = |k: &str| options.and_then(|o| get_bool(o, k));
        let underscored = opt_bool("underscored") == Some(true);
        let table_name = options
            .and_then(|o| get_str(o, "tableName"))
            .unwrap_or_else(|| {
                if opt_bool("freezeTableName") == Some(true) {
                    model_name.clone()
                } else {
                    plural(&model_name)
                }
            });
        let mut t = Table::new(table_name.clone(), path, call.span.line + 1, "sequelize");
        t.model = Some(match method.as_str() {
            "init" => var.clone().unwrap_or_else(|| model_name.clone()),
            _ => model_name.clone(),
        });
        t.schema = options.and_then(|o| get_str(o, "schema"));
        let column_name = |attr: &str| {
            if underscored {
                snake_case(attr)
            } else {
                attr.to_string()
            }
        };
        let id = r.tables.len();
        let mut pending = Vec::new();
        for p in attrs {
            let Prop::KeyValue(attr, value) = p else {
                continue;
            };
            let spec = props(value);
            let name = spec
                .and_then(|s| get_str(s, "field"))
                .unwrap_or_else(|| column_name(attr));
            let type_expr = match spec {
                Some(s) => get(s, "type"),
                None => Some(value),
            };
            let Some(type_expr) = type_expr else {
                continue;
            };
            let mut c = Column::new(name.clone(), sequelize_type(type_expr, &table_name, &name));
            if let Some(s) = spec {
                c.primary_key = get_bool(s, "primaryKey") == Some(true);
                c.nullable = !c.primary_key && get_bool(s, "allowNull") != Some(false);
                if get_bool(s, "autoIncrement") == Some(true) {
                    c.ty = match c.ty.as_str() {
                        "bigint" => "bigserial".into(),
                        _ => "serial".into(),
                    };
                }
                c.default = get(s, "defaultValue").and_then(literal_default);
                if get_bool(s, "unique") == Some(true) {
                    t.indexes.push(Index {
                        name: None,
                        columns: vec![name.clone()],
                        unique: true,
                    });
                }
                if let Some(refs) = get(s, "references").and_then(props) {
                    let key = get_str(refs, "key").unwrap_or_else(|| "id".into());
                    let model = match get(refs, "model") {
                        Some(Expr::Ident(m, _)) => Some(m.clone()),
                        Some(other) => str_of(other),
                        None => None,
                    };
                    if let Some(model) = model {
                        pending.push((name.clone(), Pending::Model { model, key }));
                    }
                }
            }
            t.columns.push(c);
        }
        if !t.columns.iter().any(|c| c.primary_key) {
            let mut c = Column::new("id", "serial");
            c.primary_key = true;
            c.nullable = false;
            t.columns.insert(0, c);
        }
        if opt_bool("timestamps") != Some(false) {
            for attr in ["createdAt", "updatedAt"] {
                let enabled = options.and_then(|o| get(o, attr)).and_then(bool_of) != Some(false);
                let name = options
                    .and_then(|o| get_str(o, attr))
                    .unwrap_or_else(|| column_name(attr));
                if enabled && t.column(&name).is_none() {
                    let mut c = Column::new(name, "timestamptz");
                    c.nullable = false;
                    t.columns.push(c);
                }
            }
            if opt_bool("paranoid") == Some(true) {
                let name = options
                    .and_then(|o| get_str(o, "deletedAt"))
                    .unwrap_or_else(|| column_name("deletedAt"));
                t.columns.push(Column::new(name, "timestamptz"));
            }
        }
        r.tables.push(t);
        r.pending
            .extend(pending.into_iter().map(|(c, p)| (id, c, p)));
        r.models.insert(model_name, id);
        if let Some(v) = var {
            r.models.insert(v, id);
        }
    }
}

/// sequelize-typescript: `@Table({ tableName })` classes with `@Column` fields and the
/// `@PrimaryKey`, `@AutoIncrement`, `@AllowNull`, `@Default`, `@Unique`, `@ForeignKey`,
/// `@CreatedAt`/`@UpdatedAt`/`@DeletedAt` decorators.
fn sequelize_typescript(r: &mut Reader, path: &str, facts: &FileFacts) {
    for class in &facts.classes {
        let Some(args) = decorator(&class.decorators, "Table") else {
            continue;
        };
        // TypeORM's `@Entity` classes are not these; `@Table` alone is sequelize-typescript's.
        if decorator(&class.decorators, "Entity").is_some() {
            continue;
        }
        let class_name = class.name.clone().unwrap_or_default();
        let options = args.first().and_then(props);
        let opt_bool = |k: &str| options.and_then(|o| get_bool(o, k));
        let underscored = opt_bool("underscored") == Some(true);
        let model_name = options
            .and_then(|o| get_str(o, "modelName"))
            .unwrap_or_else(|| class_name.clone());
        let table_name = options
            .and_then(|o| get_str(o, "tableName"))
            .unwrap_or_else(|| {
                if opt_bool("freezeTableName") == Some(true) {
                    model_name.clone()
                } else {
                    plural(&model_name)
                }
            });
        let column_name = |attr: &str| {
            if underscored {
                snake_case(attr)
            } else {
                attr.to_string()
            }
        };
        let mut t = Table::new(
            table_name.clone(),
            path,
            class.name_span.line + 1,
            "sequelize",
        );
        t.model = Some(class_name.clone());
        t.schema = options.and_then(|o| get_str(o, "schema"));
        let id = r.tables.len();
        let mut pending = Vec::new();
        let mut stamps = Vec::new();
        for field in &class.fields {
            let ds = &field.decorators;
            for (d, attr) in [
                ("CreatedAt", "createdAt"),
                ("UpdatedAt", "updatedAt"),
                ("DeletedAt", "deletedAt"),
            ] {
                if decorator(ds, d).is_some() {
                    stamps.push((attr, column_name(&field.name)));
                }
            }
            let Some(column_args) = decorator(ds, "Column") else {
                continue;
            };
            let spec = column_args.first().and_then(props);
            let name = spec
                .and_then(|s| get_str(s, "field"))
                .unwrap_or_else(|| column_name(&field.name));
            let type_expr = match spec {
                Some(s) => get(s, "type"),
                None => column_args.first(),
            };
            let ty = match type_expr {
                Some(e) => sequelize_type(e, &table_name, &name),
                None => match field.ty.as_deref().map(|t| t.trim_end_matches(" | null")) {
                    Some("string") => "varchar(255)".into(),
                    Some("number") => "integer".into(),
                    Some("boolean") => "boolean".into(),
                    Some("Date") => "timestamptz".into(),
                    _ => "?".into(),
                },
            };
            let mut c = Column::new(name.clone(), ty);
            c.primary_key = decorator(ds, "PrimaryKey").is_some()
                || spec.and_then(|s| get_bool(s, "primaryKey")) == Some(true);
            let allow_null = decorator(ds, "AllowNull")
                .map(|a| a.first().and_then(bool_of).unwrap_or(true))
                .or_else(|| spec.and_then(|s| get_bool(s, "allowNull")));
            c.nullable = !c.primary_key && allow_null != Some(false);
            if decorator(ds, "AutoIncrement").is_some()
                || spec.and_then(|s| get_bool(s, "autoIncrement")) == Some(true)
            {
                c.ty = if c.ty == "bigint" {
                    "bigserial"
                } else {
                    "serial"
                }
                .into();
            }
            c.default = decorator(ds, "Default")
                .and_then(|a| a.first())
                .or_else(|| spec.and_then(|s| get(s, "defaultValue")))
                .and_then(literal_default);
            if decorator(ds, "Unique").is_some()
                || spec.and_then(|s| get_bool(s, "unique")) == Some(true)
            {
                t.indexes.push(Index {
                    name: None,
                    columns: vec![name.clone()],
                    unique: true,
                });
            }
            if let Some(target) = decorator(ds, "ForeignKey")
                .and_then(|a| a.first())
                .and_then(|a| match a {
                    Expr::Function(f) => facts.function(*f).and_then(|f| match f.returns.first() {
                        Some(Expr::Ident(n, _)) => Some(n.clone()),
                        _ => None,
                    }),
                    _ => None,
                })
            {
                pending.push((name.clone(), target));
            }
            t.columns.push(c);
        }
        if !t.columns.iter().any(|c| c.primary_key) {
            let mut c = Column::new("id", "serial");
            c.primary_key = true;
            c.nullable = false;
            t.columns.insert(0, c);
        }
        if opt_bool("timestamps") != Some(false) {
            let mut wanted = vec!["createdAt", "updatedAt"];
            if opt_bool("paranoid") == Some(true) {
                wanted.push("deletedAt");
            }
            for attr in wanted {
                let name = stamps
                    .iter()
                    .find(|(a, _)| *a == attr)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_else(|| column_name(attr));
                if t.column(&name).is_none() {
                    let mut c = Column::new(name, "timestamptz");
                    c.nullable = attr == "deletedAt";
                    t.columns.push(c);
                }
            }
        }
        r.tables.push(t);
        // The key is the target's primary key, found once every model is read.
        r.pending.extend(pending.into_iter().map(|(c, model)| {
            (
                id,
                c,
                Pending::Entity {
                    class: model,
                    column: None,
                },
            )
        }));
        r.models.insert(class_name.clone(), id);
        r.entities.entry(class_name).or_insert(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake_case("OrderItem"), "order_item");
        assert_eq!(snake_case("createdAt"), "created_at");
        assert_eq!(snake_case("APIKey"), "api_key");
        assert_eq!(plural("User"), "Users");
        assert_eq!(plural("Category"), "Categories");
        assert_eq!(plural("Address"), "Addresses");
        assert_eq!(plural("Shelf"), "Shelves");
        assert_eq!(plural("Knife"), "Knives");
    }
}
