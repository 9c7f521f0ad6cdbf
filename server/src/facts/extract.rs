//! Reads one syntax tree into [`FileFacts`], in a single walk.
//!
//! The walk is error-tolerant (broken code yields whatever facts the tree still shows) and bounded
//! in depth, so hostile nesting cannot exhaust the stack.

use std::collections::HashMap;
use std::sync::Arc;

use tree_sitter::{Node, Tree};

use super::env;
use super::{
    Assignment, BinOp, Binding, BindingInit, Call, CallSite, Class, ClassId, Decorator, EnvRead,
    Export, ExportTarget, Expr, Field, FileFacts, FnId, Function, FunctionKind, Import, ImportKind,
    Loop, Method, Param, Pattern, Prop, Scope, Span, TemplatePart,
};

/// Deeper nesting than this is not looked into: no real backend needs it, hostile input does.
const MAX_DEPTH: u32 = 300;
/// How much source text an unknown expression keeps.
const UNKNOWN_TEXT_LIMIT: usize = 120;

/// Extracts the facts of one parsed file. `src` must be the text the tree was parsed from.
pub fn extract(tree: &Tree, src: &str) -> FileFacts {
    let mut extractor = Extractor {
        src,
        facts: FileFacts {
            syntax_error: first_error(tree.root_node()).map(span),
            ..FileFacts::default()
        },
        depth: 0,
        current_loop: None,
        pending_doc: None,
        key_spans: HashMap::new(),
    };
    extractor.children(tree.root_node(), None);
    let mut facts = extractor.facts;
    let keys = env::schema_keys(&facts, &extractor.key_spans);
    facts.env_reads.extend(keys);
    facts.env_reads.sort_by_key(|r| r.span.start);
    facts.env_reads.dedup_by_key(|r| r.span.start);
    compact(facts)
}

/// The facts copied into allocations of exactly their size. The walk grows its vectors by
/// doubling (every function's parameters and returns start at a capacity of four), so the copy
/// takes about 40% less memory. Cloning a vector or a string allocates exactly its length; the
/// shared calls are not copied again (see [`Extractor::call`]).
fn compact(facts: FileFacts) -> FileFacts {
    facts.clone()
}

pub(crate) fn span(n: Node) -> Span {
    Span {
        start: n.start_byte() as u32,
        end: n.end_byte() as u32,
        line: n.start_position().row as u32,
        col: n.start_position().column as u32,
    }
}

struct Extractor<'s> {
    src: &'s str,
    facts: FileFacts,
    depth: u32,
    current_loop: Option<u32>,
    /// The doc comment of the statement being read, keyed by the byte where its expression starts,
    /// so that only the call that begins the statement takes it.
    pending_doc: Option<(u32, String)>,
    /// The key token of each object literal property, by where its value starts (for placing the
    /// keys of environment schemas on their names).
    key_spans: HashMap<u32, Span>,
}

impl<'s> Extractor<'s> {
    fn text(&self, n: Node) -> &'s str {
        self.src.get(n.byte_range()).unwrap_or("")
    }

    /// The node's source on one line (runs of white space folded), shortened.
    fn short_text(&self, n: Node) -> String {
        let text = self.text(n);
        let head = match text.char_indices().nth(UNKNOWN_TEXT_LIMIT * 2) {
            Some((i, _)) => &text[..i],
            None => text,
        };
        let folded = head.split_whitespace().collect::<Vec<_>>().join(" ");
        match folded.char_indices().nth(UNKNOWN_TEXT_LIMIT) {
            Some((i, _)) => format!("{}…", &folded[..i]),
            None => folded,
        }
    }

    fn children(&mut self, n: Node, scope: Scope) {
        let mut cursor = n.walk();
        let kids: Vec<Node> = n.named_children(&mut cursor).collect();
        for child in kids {
            self.statement(child, scope);
        }
    }

    fn statement(&mut self, n: Node, scope: Scope) {
        if self.depth > MAX_DEPTH {
            return;
        }
        self.depth += 1;
        self.statement_inner(n, scope);
        self.depth -= 1;
    }

    fn statement_inner(&mut self, n: Node, scope: Scope) {
        match n.kind() {
            "type_alias_declaration" => {
                if let (Some(name), Some(value)) = (
                    n.child_by_field_name("name"),
                    n.child_by_field_name("value"),
                ) {
                    let alias = (self.text(name).to_string(), self.short_text(value));
                    self.facts.type_aliases.push(alias);
                }
            }
            "comment"
            | "interface_declaration"
            | "empty_statement"
            | "hash_bang_line"
            | "ambient_declaration"
            | "debugger_statement" => {}
            "import_statement" => self.import(n, scope),
            "export_statement" => self.export(n, scope),
            "lexical_declaration" | "variable_declaration" => {
                let doc = self.doc_before(n);
                self.declaration(n, scope, doc);
            }
            "function_declaration" | "generator_function_declaration" => {
                let doc = self.doc_before(n);
                self.function_declaration(n, scope, doc);
            }
            "class_declaration" | "abstract_class_declaration" => {
                let doc = self.doc_before(n);
                self.class_declaration(n, scope, Vec::new(), doc);
            }
            "enum_declaration" => {
                self.enum_declaration(n, scope);
            }
            "expression_statement" => {
                if let Some(expr) = n.named_child(0) {
                    if let Some(doc) = self.doc_before(n) {
                        self.pending_doc = Some((expr.start_byte() as u32, doc));
                    }
                    self.expr(expr, scope);
                    self.pending_doc = None;
                }
            }
            "return_statement" => {
                if let Some(value) = n.named_child(0) {
                    let expr = self.expr(value, scope);
                    if let Some(f) = scope.and_then(|f| self.facts.functions.get_mut(f as usize)) {
                        f.returns.push(expr);
                    }
                }
            }
            "switch_statement" => self.switch(n, scope),
            "for_in_statement" => self.for_of(n, scope),
            "statement_block"
            | "program"
            | "if_statement"
            | "else_clause"
            | "for_statement"
            | "while_statement"
            | "do_statement"
            | "try_statement"
            | "catch_clause"
            | "finally_clause"
            | "labeled_statement"
            | "switch_body"
            | "switch_case"
            | "switch_default"
            | "throw_statement"
            | "internal_module"
            | "module"
            | "parenthesized_expression"
            | "with_statement" => self.children(n, scope),
            _ => {
                self.expr(n, scope);
            }
        }
    }

    /// The JSDoc block right before `n` (decorators in between are allowed), cleaned of its stars.
    fn doc_before(&self, n: Node) -> Option<String> {
        let mut prev = n.prev_sibling();
        let mut end = n.start_byte();
        while let Some(p) = prev {
            match p.kind() {
                "decorator" => {
                    end = p.start_byte();
                    prev = p.prev_sibling();
                }
                "comment" => {
                    let text = self.text(p);
                    let gap = self.src.get(p.end_byte()..end).unwrap_or("x");
                    if !text.starts_with("/**") || !gap.trim().is_empty() {
                        return None;
                    }
                    return Some(clean_doc(text));
                }
                _ => return None,
            }
        }
        // A declaration inside `export ...` has its doc before the export statement.
        match n.parent() {
            Some(parent) if parent.kind() == "export_statement" => self.doc_before(parent),
            _ => None,
        }
    }

    /// Records `process.env.X` (or `process.env['X']`) at node `n`, with the literal fallback
    /// written beside it (`?? 'x'`, `|| 10`).
    fn env_read(&mut self, n: Node, object: &Expr, name: &str, name_span: Span, scope: Scope) {
        if !env::is_process_env(object) {
            return;
        }
        let default = self.fallback(n);
        self.facts.env_reads.push(EnvRead {
            name: name.to_string(),
            span: name_span,
            scope,
            default,
            validator: None,
        });
    }

    /// The literal right of `??` or `||` when `n` is its left operand.
    fn fallback(&self, n: Node) -> Option<String> {
        let mut node = n;
        let mut parent = node.parent()?;
        while matches!(
            parent.kind(),
            "parenthesized_expression" | "as_expression" | "non_null_expression"
        ) {
            node = parent;
            parent = parent.parent()?;
        }
        let operator = parent.child_by_field_name("operator").map(|o| self.text(o));
        if parent.kind() != "binary_expression"
            || !matches!(operator, Some("??" | "||"))
            || parent.child_by_field_name("left") != Some(node)
        {
            return None;
        }
        let right = parent.child_by_field_name("right")?;
        match right.kind() {
            "string" => Some(string_value(self.src, right)),
            "number" | "true" | "false" => Some(self.text(right).to_string()),
            "template_string" => {
                let mut cursor = right.walk();
                let all_text = right
                    .named_children(&mut cursor)
                    .all(|c| c.kind() == "string_fragment");
                all_text.then(|| string_value(self.src, right))
            }
            _ => None,
        }
    }

    fn import(&mut self, n: Node, scope: Scope) {
        let Some(source) = n.child_by_field_name("source") else {
            return;
        };
        let module = string_value(self.src, source);
        let mut cursor = n.walk();
        for child in n.named_children(&mut cursor) {
            match child.kind() {
                "import_clause" => {
                    let mut c2 = child.walk();
                    for part in child.named_children(&mut c2) {
                        match part.kind() {
                            "identifier" => self.facts.imports.push(Import {
                                local: self.text(part).to_string(),
                                module: module.clone(),
                                kind: ImportKind::Default,
                                span: span(part),
                            }),
                            "namespace_import" => {
                                if let Some(id) = part.named_child(0) {
                                    self.facts.imports.push(Import {
                                        local: self.text(id).to_string(),
                                        module: module.clone(),
                                        kind: ImportKind::Namespace,
                                        span: span(id),
                                    });
                                }
                            }
                            "named_imports" => {
                                let mut c3 = part.walk();
                                for spec in part.named_children(&mut c3) {
                                    if spec.kind() != "import_specifier" {
                                        continue;
                                    }
                                    let Some(name) = spec.child_by_field_name("name") else {
                                        continue;
                                    };
                                    let local = spec.child_by_field_name("alias").unwrap_or(name);
                                    self.facts.imports.push(Import {
                                        local: self.text(local).to_string(),
                                        module: module.clone(),
                                        kind: ImportKind::Named(name_text(self.src, name)),
                                        span: span(local),
                                    });
                                }
                            }
                            _ => {}
                        }
                    }
                }
                "import_require_clause" => {
                    // `import x = require('m')` is CommonJS: `x` is what `require` returns.
                    if let Some(id) = child.named_child(0) {
                        let call = Expr::Call(Arc::new(Call {
                            callee: Expr::Ident("require".into(), span(id)),
                            args: vec![Expr::Str(module.clone(), span(source))],
                            span: span(child),
                            name_span: span(id),
                        }));
                        self.facts.bindings.push(Binding {
                            name: self.text(id).to_string(),
                            scope,
                            init: BindingInit::Expr(call),
                            span: span(id),
                            ty: None,
                        });
                    }
                }
                _ => {}
            }
        }
    }

    fn export(&mut self, n: Node, scope: Scope) {
        let is_default =
            (0..n.child_count()).any(|i| n.child(i).is_some_and(|c| c.kind() == "default"));
        let source = n
            .child_by_field_name("source")
            .map(|s| string_value(self.src, s));
        let mut decorators = Vec::new();
        let mut cursor = n.walk();
        let kids: Vec<Node> = n.children(&mut cursor).collect();
        for child in kids {
            match child.kind() {
                "decorator" => decorators.push(self.decorator(child, scope)),
                "export_clause" => {
                    let mut c2 = child.walk();
                    for spec in child.named_children(&mut c2) {
                        let Some(name) = spec.child_by_field_name("name") else {
                            continue;
                        };
                        let name = name_text(self.src, name);
                        let exported = spec
                            .child_by_field_name("alias")
                            .map(|a| name_text(self.src, a))
                            .unwrap_or_else(|| name.clone());
                        let target = match &source {
                            Some(module) => ExportTarget::ReExport {
                                module: module.clone(),
                                name,
                            },
                            None => ExportTarget::Local(name),
                        };
                        self.facts.exports.push(Export {
                            name: exported,
                            target,
                        });
                    }
                }
                "namespace_export" => {
                    if let (Some(id), Some(module)) = (child.named_child(0), &source) {
                        self.facts.exports.push(Export {
                            name: name_text(self.src, id),
                            target: ExportTarget::Namespace {
                                module: module.clone(),
                            },
                        });
                    }
                }
                "*" => {
                    if let Some(module) = &source {
                        self.facts.exports.push(Export {
                            name: "*".into(),
                            target: ExportTarget::ReExport {
                                module: module.clone(),
                                name: "*".into(),
                            },
                        });
                    }
                }
                _ => {}
            }
        }
        let doc = self.doc_before(n);
        if let Some(decl) = n.child_by_field_name("declaration") {
            let names: Vec<String> = match decl.kind() {
                "lexical_declaration" | "variable_declaration" => {
                    self.declaration(decl, scope, doc)
                }
                "function_declaration" | "generator_function_declaration" => self
                    .function_declaration(decl, scope, doc)
                    .into_iter()
                    .collect(),
                "class_declaration" | "abstract_class_declaration" => self
                    .class_declaration(decl, scope, decorators, doc)
                    .into_iter()
                    .collect(),
                "enum_declaration" => self.enum_declaration(decl, scope).into_iter().collect(),
                _ => {
                    self.statement(decl, scope);
                    Vec::new()
                }
            };
            for name in names {
                let exported = if is_default {
                    "default".to_string()
                } else {
                    name.clone()
                };
                self.facts.exports.push(Export {
                    name: exported,
                    target: ExportTarget::Local(name),
                });
            }
        } else if let Some(value) = n.child_by_field_name("value") {
            if is_default {
                self.pending_doc = doc.map(|d| (value.start_byte() as u32, d));
            }
            let expr = self.expr(value, scope);
            self.pending_doc = None;
            if let Expr::Function(f) = expr {
                let doc = self.doc_before(n);
                if let Some(function) = self.facts.functions.get_mut(f as usize) {
                    function.doc = doc;
                }
            }
            self.facts.exports.push(Export {
                name: "default".into(),
                target: ExportTarget::Expr(expr),
            });
        }
    }

    /// Reads `const a = 1, { b } = c;` and returns the names it declares.
    fn declaration(&mut self, n: Node, scope: Scope, doc: Option<String>) -> Vec<String> {
        let mut names = Vec::new();
        let mut cursor = n.walk();
        let declarators: Vec<Node> = n
            .named_children(&mut cursor)
            .filter(|c| c.kind() == "variable_declarator")
            .collect();
        for d in declarators {
            let Some(name) = d.child_by_field_name("name") else {
                continue;
            };
            let ty = d.child_by_field_name("type").map(|t| self.type_text(t));
            let value = d.child_by_field_name("value");
            if let Some(v) = value {
                if doc.is_some() && matches!(v.kind(), "call_expression" | "new_expression") {
                    self.pending_doc = doc.clone().map(|doc| (v.start_byte() as u32, doc));
                }
            }
            let init = value.map(|v| self.expr(v, scope));
            self.pending_doc = None;
            if name.kind() == "identifier" {
                let binding_name = self.text(name).to_string();
                let init = match init {
                    Some(Expr::Function(f)) => {
                        if let Some(function) = self.facts.functions.get_mut(f as usize) {
                            if function.name.is_none() || function.kind == FunctionKind::Arrow {
                                function.name = Some(binding_name.clone());
                            }
                            function.name_span = span(name);
                            function.doc = doc.clone();
                        }
                        BindingInit::Function(f)
                    }
                    Some(Expr::Class(c)) => {
                        if let Some(class) = self.facts.classes.get_mut(c as usize) {
                            class.name.get_or_insert_with(|| binding_name.clone());
                        }
                        BindingInit::Class(c)
                    }
                    Some(expr) => {
                        self.name_wrapped_function(&expr, &binding_name, span(name), doc.clone());
                        BindingInit::Expr(expr)
                    }
                    None => BindingInit::None,
                };
                names.push(binding_name.clone());
                self.facts.bindings.push(Binding {
                    name: binding_name,
                    scope,
                    init,
                    span: span(name),
                    ty,
                });
            } else {
                let pattern = self.pattern(name, scope);
                let source = init.unwrap_or(Expr::Unknown(String::new(), span(name)));
                if env::is_process_env(&source) {
                    self.facts
                        .env_reads
                        .extend(env::destructured(&pattern, scope));
                }
                let mut out = Vec::new();
                destructure(&pattern, source, &mut out);
                for (binding_name, name_span, expr) in out {
                    names.push(binding_name.clone());
                    self.facts.bindings.push(Binding {
                        name: binding_name,
                        scope,
                        init: BindingInit::Expr(expr),
                        span: name_span,
                        ty: None,
                    });
                }
            }
        }
        names
    }

    fn function_declaration(
        &mut self,
        n: Node,
        scope: Scope,
        doc: Option<String>,
    ) -> Option<String> {
        let f = self.function(n, scope, None);
        let name = n.child_by_field_name("name")?;
        let name_text = self.text(name).to_string();
        if let Some(function) = self.facts.functions.get_mut(f as usize) {
            function.doc = doc;
        }
        self.facts.bindings.push(Binding {
            name: name_text.clone(),
            scope,
            init: BindingInit::Function(f),
            span: span(name),
            ty: None,
        });
        Some(name_text)
    }

    fn class_declaration(
        &mut self,
        n: Node,
        scope: Scope,
        decorators: Vec<Decorator>,
        doc: Option<String>,
    ) -> Option<String> {
        let c = self.class(n, scope, decorators);
        let name = n.child_by_field_name("name")?;
        let name_text = self.text(name).to_string();
        if let Some(class) = self.facts.classes.get_mut(c as usize) {
            class.doc = doc;
        }
        self.facts.bindings.push(Binding {
            name: name_text.clone(),
            scope,
            init: BindingInit::Class(c),
            span: span(name),
            ty: None,
        });
        Some(name_text)
    }

    fn enum_declaration(&mut self, n: Node, scope: Scope) -> Option<String> {
        let name = n.child_by_field_name("name")?;
        let mut members = Vec::new();
        if let Some(body) = n.child_by_field_name("body") {
            let mut cursor = body.walk();
            let kids: Vec<Node> = body.named_children(&mut cursor).collect();
            let mut next_number = 0.0;
            for member in kids {
                match member.kind() {
                    "enum_assignment" => {
                        let (Some(key), Some(value)) = (
                            member.child_by_field_name("name"),
                            member.child_by_field_name("value"),
                        ) else {
                            continue;
                        };
                        let value = self.expr(value, scope);
                        if let Expr::Num(x) = value {
                            next_number = x + 1.0;
                        }
                        members.push((name_text(self.src, key), value));
                    }
                    "property_identifier" => {
                        members.push((self.text(member).to_string(), Expr::Num(next_number)));
                        next_number += 1.0;
                    }
                    _ => {}
                }
            }
        }
        let name_text = self.text(name).to_string();
        self.facts.bindings.push(Binding {
            name: name_text.clone(),
            scope,
            init: BindingInit::Enum(members),
            span: span(name),
            ty: None,
        });
        Some(name_text)
    }

    fn switch(&mut self, n: Node, scope: Scope) {
        let discriminant = n.child_by_field_name("value").map(|v| {
            if v.kind() == "parenthesized_expression" {
                v.named_child(0).unwrap_or(v)
            } else {
                v
            }
        });
        if let (Some(d), Some(body), Some(f)) = (discriminant, n.child_by_field_name("body"), scope)
        {
            if matches!(d.kind(), "identifier" | "member_expression") {
                let mut labels = Vec::new();
                let mut cursor = body.walk();
                for case in body.named_children(&mut cursor) {
                    if let Some(value) = case.child_by_field_name("value") {
                        if value.kind() == "string" {
                            labels.push(string_value(self.src, value));
                        }
                    }
                }
                let name = self.text(d).to_string();
                if let Some(function) = self.facts.functions.get_mut(f as usize) {
                    function.switches.push((name, labels));
                }
            }
        }
        self.children(n, scope);
    }

    fn for_of(&mut self, n: Node, scope: Scope) {
        let is_of = (0..n.child_count()).any(|i| n.child(i).is_some_and(|c| c.kind() == "of"));
        let (Some(left), Some(right)) = (
            n.child_by_field_name("left"),
            n.child_by_field_name("right"),
        ) else {
            self.children(n, scope);
            return;
        };
        let iterable = self.expr(right, scope);
        let saved = self.current_loop;
        if is_of {
            let pattern = self.pattern(left, scope);
            self.facts.loops.push(Loop {
                pattern,
                iterable,
                scope,
                parent: saved,
            });
            self.current_loop = Some(self.facts.loops.len() as u32 - 1);
        }
        if let Some(body) = n.child_by_field_name("body") {
            self.statement(body, scope);
        }
        self.current_loop = saved;
    }

    fn decorator(&mut self, n: Node, scope: Scope) -> Decorator {
        let expr = match n.named_child(0) {
            Some(inner) => self.expr_unrecorded(inner, scope),
            None => Expr::Unknown(String::new(), span(n)),
        };
        Decorator {
            expr,
            span: span(n),
        }
    }

    fn type_text(&self, annotation: Node) -> String {
        // `type_annotation` is `: T`; keep `T`.
        let inner = annotation.named_child(0).unwrap_or(annotation);
        self.short_text(inner)
    }

    fn pattern(&mut self, n: Node, scope: Scope) -> Pattern {
        if self.depth > MAX_DEPTH {
            return Pattern::Unknown;
        }
        self.depth += 1;
        let p = self.pattern_inner(n, scope);
        self.depth -= 1;
        p
    }

    fn pattern_inner(&mut self, n: Node, scope: Scope) -> Pattern {
        match n.kind() {
            "identifier" | "shorthand_property_identifier_pattern" => {
                Pattern::Ident(self.text(n).to_string(), span(n))
            }
            "object_pattern" => {
                let mut props = Vec::new();
                let mut cursor = n.walk();
                let kids: Vec<Node> = n.named_children(&mut cursor).collect();
                for p in kids {
                    match p.kind() {
                        "shorthand_property_identifier_pattern" => {
                            let name = self.text(p).to_string();
                            props.push((name.clone(), Pattern::Ident(name, span(p))));
                        }
                        "pair_pattern" => {
                            if let (Some(key), Some(value)) =
                                (p.child_by_field_name("key"), p.child_by_field_name("value"))
                            {
                                let key = name_text(self.src, key);
                                props.push((key, self.pattern(value, scope)));
                            }
                        }
                        "object_assignment_pattern" => {
                            if let Some(left) = p.child_by_field_name("left") {
                                let name = self.text(left).to_string();
                                let default = p
                                    .child_by_field_name("right")
                                    .map(|r| self.expr(r, scope))
                                    .unwrap_or(Expr::Nullish);
                                let inner = self.pattern(left, scope);
                                props.push((name, Pattern::Default(Box::new(inner), default)));
                            }
                        }
                        "rest_pattern" => {
                            let inner = p.named_child(0).map(|i| self.pattern(i, scope));
                            props.push((
                                "...".into(),
                                Pattern::Rest(Box::new(inner.unwrap_or(Pattern::Unknown))),
                            ));
                        }
                        _ => {}
                    }
                }
                Pattern::Object(props)
            }
            "array_pattern" => {
                let mut items = Vec::new();
                let mut cursor = n.walk();
                let kids: Vec<Node> = n.named_children(&mut cursor).collect();
                for p in kids {
                    items.push(Some(self.pattern(p, scope)));
                }
                Pattern::Array(items)
            }
            "rest_pattern" => {
                let inner = n.named_child(0).map(|i| self.pattern(i, scope));
                Pattern::Rest(Box::new(inner.unwrap_or(Pattern::Unknown)))
            }
            "assignment_pattern" => {
                let left = n
                    .child_by_field_name("left")
                    .map(|l| self.pattern(l, scope));
                let right = n
                    .child_by_field_name("right")
                    .map(|r| self.expr(r, scope))
                    .unwrap_or(Expr::Nullish);
                Pattern::Default(Box::new(left.unwrap_or(Pattern::Unknown)), right)
            }
            _ => Pattern::Unknown,
        }
    }

    fn params(&mut self, n: Node, scope: FnId) -> Vec<Param> {
        let mut params = Vec::new();
        if n.kind() == "identifier" {
            params.push(Param {
                pattern: Pattern::Ident(self.text(n).to_string(), span(n)),
                ty: None,
                decorators: Vec::new(),
                is_property: false,
            });
            return params;
        }
        let mut cursor = n.walk();
        let kids: Vec<Node> = n.named_children(&mut cursor).collect();
        for p in kids {
            if !matches!(p.kind(), "required_parameter" | "optional_parameter") {
                continue;
            }
            let mut decorators = Vec::new();
            let mut is_property = false;
            let mut c2 = p.walk();
            let parts: Vec<Node> = p.children(&mut c2).collect();
            for part in parts {
                match part.kind() {
                    "decorator" => decorators.push(self.decorator(part, Some(scope))),
                    "accessibility_modifier" | "readonly" | "override_modifier" => {
                        is_property = true
                    }
                    _ => {}
                }
            }
            let mut pattern = p
                .child_by_field_name("pattern")
                .map(|pat| self.pattern(pat, Some(scope)))
                .unwrap_or(Pattern::Unknown);
            if let Some(value) = p.child_by_field_name("value") {
                let default = self.expr(value, Some(scope));
                pattern = Pattern::Default(Box::new(pattern), default);
            }
            params.push(Param {
                pattern,
                ty: p.child_by_field_name("type").map(|t| self.type_text(t)),
                decorators,
                is_property,
            });
        }
        params
    }

    fn function(&mut self, n: Node, scope: Scope, class: Option<ClassId>) -> FnId {
        let id = self.facts.functions.len() as FnId;
        let kind = match n.kind() {
            "function_declaration" | "generator_function_declaration" => FunctionKind::Declaration,
            "arrow_function" => FunctionKind::Arrow,
            "method_definition" => FunctionKind::Method,
            _ => FunctionKind::Expression,
        };
        let name_node = n.child_by_field_name("name");
        self.facts.functions.push(Function {
            name: name_node.map(|nn| name_text(self.src, nn)),
            kind,
            parent: scope,
            class,
            params: Vec::new(),
            returns: Vec::new(),
            expression_body: false,
            switches: Vec::new(),
            span: span(n),
            name_span: name_node.map(span).unwrap_or_else(|| span(n)),
            doc: None,
        });
        let params_node = n
            .child_by_field_name("parameters")
            .or_else(|| n.child_by_field_name("parameter"));
        if let Some(p) = params_node {
            let params = self.params(p, id);
            self.facts.functions[id as usize].params = params;
        }
        // Code inside a function is not inside the loops around its definition.
        let saved_loop = self.current_loop.take();
        if let Some(body) = n.child_by_field_name("body") {
            if body.kind() == "statement_block" {
                self.children(body, Some(id));
            } else {
                let expr = self.expr(body, Some(id));
                let function = &mut self.facts.functions[id as usize];
                function.returns.push(expr);
                function.expression_body = true;
            }
        }
        self.current_loop = saved_loop;
        id
    }

    fn class(&mut self, n: Node, scope: Scope, mut decorators: Vec<Decorator>) -> ClassId {
        let id = self.facts.classes.len() as ClassId;
        let name_node = n.child_by_field_name("name");
        let mut cursor = n.walk();
        let kids: Vec<Node> = n.children(&mut cursor).collect();
        let mut extends = None;
        let mut implements = Vec::new();
        for child in &kids {
            match child.kind() {
                "decorator" => decorators.push(self.decorator(*child, scope)),
                "class_heritage" => {
                    let mut c2 = child.walk();
                    let clauses: Vec<Node> = child.named_children(&mut c2).collect();
                    for clause in clauses {
                        if clause.kind() == "extends_clause" {
                            if let Some(v) = clause.child_by_field_name("value") {
                                extends = Some(self.expr(v, scope));
                            }
                        } else if clause.kind() == "implements_clause" {
                            let mut c3 = clause.walk();
                            for ty in clause.named_children(&mut c3) {
                                // `implements Repo<User>`: the interface's name.
                                let text = self.text(ty);
                                let name = text.split('<').next().unwrap_or(text).trim();
                                implements.push(name.to_string());
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        self.facts.classes.push(Class {
            name: name_node.map(|nn| self.text(nn).to_string()),
            extends,
            implements,
            scope,
            decorators,
            fields: Vec::new(),
            methods: Vec::new(),
            span: span(n),
            name_span: name_node.map(span).unwrap_or_else(|| span(n)),
            doc: None,
        });
        let Some(body) = n.child_by_field_name("body") else {
            return id;
        };
        let mut member_decorators = Vec::new();
        let mut c3 = body.walk();
        let members: Vec<Node> = body.named_children(&mut c3).collect();
        for member in members {
            match member.kind() {
                "decorator" => member_decorators.push(self.decorator(member, scope)),
                "method_definition" => {
                    let f = self.function(member, scope, Some(id));
                    let doc = self.doc_before(member);
                    let name = member
                        .child_by_field_name("name")
                        .map(|nn| name_text(self.src, nn))
                        .unwrap_or_default();
                    let is_static = has_child_kind(member, "static");
                    let is_getter = has_child_kind(member, "get");
                    if name == "constructor" {
                        self.constructor_properties(f, id);
                    }
                    self.facts.functions[f as usize].doc = doc;
                    self.facts.classes[id as usize].methods.push(Method {
                        name,
                        function: f,
                        is_static,
                        is_getter,
                        decorators: std::mem::take(&mut member_decorators),
                        span: span(member),
                    });
                }
                "public_field_definition" => {
                    let mut field_decorators = std::mem::take(&mut member_decorators);
                    let mut c4 = member.walk();
                    let parts: Vec<Node> = member.children(&mut c4).collect();
                    for part in parts {
                        if part.kind() == "decorator" {
                            field_decorators.push(self.decorator(part, scope));
                        }
                    }
                    let Some(name) = member.child_by_field_name("name") else {
                        continue;
                    };
                    let init = member
                        .child_by_field_name("value")
                        .map(|v| self.expr(v, scope));
                    let name = name_text(self.src, name);
                    if let Some(Expr::Function(f)) = &init {
                        let doc = self.doc_before(member);
                        if let Some(function) = self.facts.functions.get_mut(*f as usize) {
                            function.name = Some(name.clone());
                            function.class = Some(id);
                            function.doc = doc;
                        }
                    }
                    let field = Field {
                        name,
                        from_param: None,
                        init,
                        ty: member
                            .child_by_field_name("type")
                            .map(|t| self.type_text(t)),
                        decorators: field_decorators,
                        is_static: has_child_kind(member, "static"),
                        span: span(member),
                    };
                    self.facts.classes[id as usize].fields.push(field);
                }
                _ => member_decorators.clear(),
            }
        }
        id
    }

    /// `constructor(private readonly io: Server)` declares the field `io`.
    fn constructor_properties(&mut self, ctor: FnId, class: ClassId) {
        let fields: Vec<Field> = self.facts.functions[ctor as usize]
            .params
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_property)
            .filter_map(|(index, p)| match &p.pattern {
                Pattern::Ident(name, s) => Some(Field {
                    name: name.clone(),
                    from_param: Some(index),
                    init: Some(Expr::Ident(name.clone(), *s)),
                    ty: p.ty.clone(),
                    decorators: p.decorators.clone(),
                    is_static: false,
                    span: *s,
                }),
                _ => None,
            })
            .collect();
        self.facts.classes[class as usize].fields.extend(fields);
    }

    fn expr(&mut self, n: Node, scope: Scope) -> Expr {
        self.bounded_expr(n, scope, true)
    }

    /// Converts an expression without listing its calls as call sites (inner chain links,
    /// decorators).
    fn expr_unrecorded(&mut self, n: Node, scope: Scope) -> Expr {
        self.bounded_expr(n, scope, false)
    }

    /// Every step into a nested expression goes through here, so that nesting is bounded.
    fn bounded_expr(&mut self, n: Node, scope: Scope, record: bool) -> Expr {
        if self.depth > MAX_DEPTH {
            return Expr::Unknown(self.short_text(n), span(n));
        }
        self.depth += 1;
        let e = self.expr_inner(n, scope, record);
        self.depth -= 1;
        e
    }

    fn unknown(&mut self, n: Node, scope: Scope) -> Expr {
        // Look inside for calls and functions even when the expression itself means nothing here.
        let mut cursor = n.walk();
        let kids: Vec<Node> = n.named_children(&mut cursor).collect();
        for child in kids {
            self.statement(child, scope);
        }
        Expr::Unknown(self.short_text(n), span(n))
    }

    fn expr_inner(&mut self, n: Node, scope: Scope, record: bool) -> Expr {
        match n.kind() {
            "string" => Expr::Str(string_value(self.src, n), span(n)),
            "template_string" => self.template(n, scope),
            "number" => parse_number(self.text(n))
                .map_or_else(|| Expr::Unknown(self.short_text(n), span(n)), Expr::Num),
            "true" => Expr::Bool(true),
            "false" => Expr::Bool(false),
            "null" | "undefined" => Expr::Nullish,
            "identifier" => {
                let name = self.text(n);
                if name == "undefined" {
                    Expr::Nullish
                } else {
                    Expr::Ident(name.to_string(), span(n))
                }
            }
            "this" => Expr::This,
            "super" => Expr::Super,
            "regex" => Expr::Regex(self.text(n).to_string(), span(n)),
            "member_expression" => {
                let object = match n.child_by_field_name("object") {
                    Some(o) => self.expr_unrecorded(o, scope),
                    None => return Expr::Unknown(self.short_text(n), span(n)),
                };
                match n.child_by_field_name("property") {
                    Some(p) => {
                        let name = self.text(p).to_string();
                        self.env_read(n, &object, &name, span(p), scope);
                        Expr::Member(Box::new(object), name, span(p))
                    }
                    None => Expr::Unknown(self.short_text(n), span(n)),
                }
            }
            "subscript_expression" => {
                let object = match n.child_by_field_name("object") {
                    Some(o) => self.expr_unrecorded(o, scope),
                    None => return Expr::Unknown(self.short_text(n), span(n)),
                };
                match n.child_by_field_name("index") {
                    Some(i) if i.kind() == "string" => {
                        let name = string_value(self.src, i);
                        self.env_read(n, &object, &name, span(i), scope);
                        Expr::Member(Box::new(object), name, span(i))
                    }
                    Some(i) => {
                        let index = self.expr(i, scope);
                        Expr::Index(Box::new(object), Box::new(index))
                    }
                    None => Expr::Unknown(self.short_text(n), span(n)),
                }
            }
            "call_expression" => self.call(n, scope, record, false),
            "new_expression" => self.call(n, scope, record, true),
            "await_expression"
            | "parenthesized_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression" => match n.named_child(0) {
                Some(inner) => self.bounded_expr(inner, scope, record),
                None => Expr::Unknown(self.short_text(n), span(n)),
            },
            "type_assertion" => match n.named_child(n.named_child_count().saturating_sub(1)) {
                Some(inner) => self.bounded_expr(inner, scope, record),
                None => Expr::Unknown(self.short_text(n), span(n)),
            },
            "binary_expression" => {
                let op = n.child_by_field_name("operator").map(|o| self.text(o));
                let op = match op {
                    Some("+") => Some(BinOp::Add),
                    Some("-") => Some(BinOp::Sub),
                    Some("*") => Some(BinOp::Mul),
                    Some("/") => Some(BinOp::Div),
                    _ => None,
                };
                match (
                    op,
                    n.child_by_field_name("left"),
                    n.child_by_field_name("right"),
                ) {
                    (Some(op), Some(l), Some(r)) => {
                        let l = self.expr(l, scope);
                        let r = self.expr(r, scope);
                        Expr::Binary(op, Box::new(l), Box::new(r))
                    }
                    _ => self.unknown(n, scope),
                }
            }
            "object" => self.object(n, scope),
            "array" => {
                let mut items = Vec::new();
                let mut cursor = n.walk();
                let kids: Vec<Node> = n.named_children(&mut cursor).collect();
                for item in kids {
                    if item.kind() != "comment" {
                        items.push(self.expr(item, scope));
                    }
                }
                Expr::Array(items)
            }
            "spread_element" => match n.named_child(0) {
                Some(inner) => Expr::Spread(Box::new(self.expr(inner, scope))),
                None => Expr::Unknown(self.short_text(n), span(n)),
            },
            "arrow_function" | "function_expression" | "function" | "generator_function" => {
                Expr::Function(self.function(n, scope, None))
            }
            "class" => Expr::Class(self.class(n, scope, Vec::new())),
            "assignment_expression" => self.assignment(n, scope),
            "sequence_expression" => {
                let mut last = Expr::Nullish;
                let mut cursor = n.walk();
                let kids: Vec<Node> = n.named_children(&mut cursor).collect();
                for child in kids {
                    last = self.expr(child, scope);
                }
                last
            }
            _ => self.unknown(n, scope),
        }
    }

    fn template(&mut self, n: Node, scope: Scope) -> Expr {
        let mut parts = Vec::new();
        let mut cursor = n.walk();
        let kids: Vec<Node> = n.named_children(&mut cursor).collect();
        for child in kids {
            match child.kind() {
                "string_fragment" => push_lit(&mut parts, self.text(child)),
                "escape_sequence" => push_lit(&mut parts, &unescape(self.text(child))),
                "template_substitution" => {
                    let expr = match child.named_child(0) {
                        Some(inner) => self.expr(inner, scope),
                        None => Expr::Nullish,
                    };
                    parts.push(TemplatePart::Expr(expr));
                }
                _ => {}
            }
        }
        match parts.as_slice() {
            [] => Expr::Str(String::new(), span(n)),
            [TemplatePart::Lit(s)] => Expr::Str(s.clone(), span(n)),
            _ => Expr::Template(parts, span(n)),
        }
    }

    fn object(&mut self, n: Node, scope: Scope) -> Expr {
        let mut props = Vec::new();
        let mut cursor = n.walk();
        let kids: Vec<Node> = n.named_children(&mut cursor).collect();
        for p in kids {
            match p.kind() {
                "pair" => {
                    let (Some(key), Some(value)) =
                        (p.child_by_field_name("key"), p.child_by_field_name("value"))
                    else {
                        continue;
                    };
                    let value_expr = self.expr(value, scope);
                    if key.kind() == "computed_property_name" {
                        continue;
                    }
                    self.key_spans.insert(value.start_byte() as u32, span(key));
                    let key = name_text(self.src, key);
                    let doc = self.doc_before(p);
                    self.name_wrapped_function(&value_expr, &key, span(p), doc);
                    if let Expr::Function(f) = value_expr {
                        let doc = self.doc_before(p);
                        if let Some(function) = self.facts.functions.get_mut(f as usize) {
                            function.name = Some(key.clone());
                            function.name_span = span(p);
                            function.doc = doc;
                        }
                    }
                    props.push(Prop::KeyValue(key, value_expr));
                }
                "shorthand_property_identifier" => {
                    let name = self.text(p).to_string();
                    props.push(Prop::KeyValue(name.clone(), Expr::Ident(name, span(p))));
                }
                "method_definition" => {
                    let f = self.function(p, scope, None);
                    let doc = self.doc_before(p);
                    self.facts.functions[f as usize].doc = doc;
                    if let Some(key) = p.child_by_field_name("name") {
                        if key.kind() != "computed_property_name" {
                            props.push(Prop::KeyValue(name_text(self.src, key), Expr::Function(f)));
                        }
                    }
                }
                "spread_element" => {
                    if let Some(inner) = p.named_child(0) {
                        let e = self.expr(inner, scope);
                        props.push(Prop::Spread(e));
                    }
                }
                _ => {}
            }
        }
        Expr::Object(props, span(n))
    }

    fn call(&mut self, n: Node, scope: Scope, record: bool, is_new: bool) -> Expr {
        let callee_node = n
            .child_by_field_name("function")
            .or_else(|| n.child_by_field_name("constructor"));
        let Some(callee_node) = callee_node else {
            return self.unknown(n, scope);
        };
        let callee = match callee_node.kind() {
            // `import('./x')`
            "import" => Expr::Ident("import".into(), span(callee_node)),
            // The inner links of a chain are part of this call; they are not call sites of their own.
            _ => self.expr_unrecorded(callee_node, scope),
        };
        let name_span = match callee_node.kind() {
            "member_expression" => callee_node
                .child_by_field_name("property")
                .map(span)
                .unwrap_or_else(|| span(callee_node)),
            "subscript_expression" => callee_node
                .child_by_field_name("index")
                .map(span)
                .unwrap_or_else(|| span(callee_node)),
            _ => span(callee_node),
        };
        let mut args = Vec::new();
        if let Some(arguments) = n.child_by_field_name("arguments") {
            if arguments.kind() == "template_string" {
                args.push(self.template(arguments, scope));
            } else {
                let mut cursor = arguments.walk();
                let kids: Vec<Node> = arguments.named_children(&mut cursor).collect();
                for a in kids {
                    if a.kind() != "comment" {
                        args.push(self.expr(a, scope));
                    }
                }
            }
        }
        let call = Call {
            callee,
            args,
            span: span(n),
            name_span,
        };
        // Shared from here on, the call is out of reach of the copy that `compact` makes at the
        // end: copy it now (the calls inside it are shared, and were copied when they were made).
        let call = Arc::new(call.clone());
        let expr = if is_new {
            Expr::New(call)
        } else {
            Expr::Call(call)
        };
        if record {
            let start = n.start_byte() as u32;
            let doc = match &self.pending_doc {
                Some((at, _)) if *at == start => self.pending_doc.take().map(|(_, d)| d),
                _ => None,
            };
            self.facts.calls.push(CallSite {
                expr: expr.clone(),
                scope,
                in_loop: self.current_loop,
                doc,
            });
        }
        expr
    }

    /// `const list = asyncHandler(async (req, res) => ...)`: the wrapped function takes the name
    /// it is stored under, so that a handler is named `list`, not `<inline>`.
    fn name_wrapped_function(
        &mut self,
        expr: &Expr,
        name: &str,
        name_span: Span,
        doc: Option<String>,
    ) {
        let Expr::Call(call) = expr else {
            return;
        };
        // `new Hono().get('/a', (c) => ...)`: a registration chain, not a wrapper.
        if let Expr::Member(object, _, _) = &call.callee {
            if matches!(object.as_ref(), Expr::Call(_) | Expr::New(_)) {
                return;
            }
        }
        match call
            .args
            .iter()
            .rev()
            .find(|a| matches!(a, Expr::Function(_) | Expr::Call(_)))
        {
            Some(Expr::Function(f)) => {
                if let Some(function) = self.facts.functions.get_mut(*f as usize) {
                    if function.name.is_none() {
                        function.name = Some(name.to_string());
                        function.name_span = name_span;
                        function.doc = doc;
                    }
                }
            }
            Some(inner @ Expr::Call(_)) => {
                self.name_wrapped_function(&inner.clone(), name, name_span, doc)
            }
            _ => {}
        }
    }

    fn assignment(&mut self, n: Node, scope: Scope) -> Expr {
        let (Some(left), Some(right)) = (
            n.child_by_field_name("left"),
            n.child_by_field_name("right"),
        ) else {
            return self.unknown(n, scope);
        };
        let target = self.expr_unrecorded(left, scope);
        let value = self.expr(right, scope);
        // `exports.list = async (req, res) => ...` names the function `list`.
        if let (Expr::Function(f), Expr::Member(_, prop, _)) = (&value, &target) {
            if let Some(function) = self.facts.functions.get_mut(*f as usize) {
                function.name.get_or_insert_with(|| prop.clone());
            }
        }
        if let Expr::Member(_, prop, prop_span) = &target {
            self.name_wrapped_function(&value, prop, *prop_span, None);
        }
        if let Some(name) = commonjs_export_name(&target) {
            self.facts.exports.push(Export {
                name,
                target: ExportTarget::Expr(value.clone()),
            });
        }
        self.facts.assignments.push(Assignment {
            target,
            value: value.clone(),
            scope,
        });
        value
    }
}

/// `module.exports = x` exports `default`; `exports.a = x` and `module.exports.a = x` export `a`.
fn commonjs_export_name(target: &Expr) -> Option<String> {
    match target {
        Expr::Member(object, prop, _) => match object.as_ref() {
            Expr::Ident(m, _) if m == "module" && prop == "exports" => Some("default".into()),
            Expr::Ident(e, _) if e == "exports" => Some(prop.clone()),
            Expr::Member(inner, p, _)
                if p == "exports"
                    && matches!(inner.as_ref(), Expr::Ident(m, _) if m == "module") =>
            {
                Some(prop.clone())
            }
            _ => None,
        },
        _ => None,
    }
}

/// Binds each name of a destructuring pattern to the part of `source` it takes.
fn destructure(pattern: &Pattern, source: Expr, out: &mut Vec<(String, Span, Expr)>) {
    match pattern {
        Pattern::Ident(name, s) => out.push((name.clone(), *s, source)),
        Pattern::Object(props) => {
            for (key, p) in props {
                if key == "..." {
                    destructure(p, Expr::Unknown(String::new(), Span::default()), out);
                } else {
                    let part = Expr::Member(Box::new(source.clone()), key.clone(), Span::default());
                    destructure(p, part, out);
                }
            }
        }
        Pattern::Array(items) => {
            for (i, p) in items.iter().enumerate() {
                if let Some(p) = p {
                    let part = Expr::Index(Box::new(source.clone()), Box::new(Expr::Num(i as f64)));
                    destructure(p, part, out);
                }
            }
        }
        Pattern::Rest(p) => destructure(p, Expr::Unknown(String::new(), Span::default()), out),
        Pattern::Default(p, _) => destructure(p, source, out),
        Pattern::Unknown => {}
    }
}

/// The first node that is an error or a missing token, looking only where errors are.
fn first_error(root: Node) -> Option<Node> {
    if !root.has_error() {
        return None;
    }
    let mut node = root;
    'descend: loop {
        if node.is_error() || node.is_missing() {
            return Some(node);
        }
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if child.has_error() {
                node = child;
                continue 'descend;
            }
        }
        return Some(node);
    }
}

fn has_child_kind(n: Node, kind: &str) -> bool {
    (0..n.child_count()).any(|i| n.child(i).is_some_and(|c| c.kind() == kind))
}

fn push_lit(parts: &mut Vec<TemplatePart>, s: &str) {
    if let Some(TemplatePart::Lit(last)) = parts.last_mut() {
        last.push_str(s);
    } else {
        parts.push(TemplatePart::Lit(s.to_string()));
    }
}

/// The text of a property or specifier name, unquoted when it is a string.
fn name_text(src: &str, n: Node) -> String {
    if n.kind() == "string" {
        string_value(src, n)
    } else {
        src.get(n.byte_range()).unwrap_or("").to_string()
    }
}

/// The value of a string literal node, escapes decoded.
fn string_value(src: &str, n: Node) -> String {
    let mut out = String::new();
    let mut cursor = n.walk();
    for child in n.named_children(&mut cursor) {
        let text = src.get(child.byte_range()).unwrap_or("");
        match child.kind() {
            "string_fragment" => out.push_str(text),
            "escape_sequence" => out.push_str(&unescape(text)),
            _ => {}
        }
    }
    out
}

fn unescape(seq: &str) -> String {
    match seq {
        "\\n" => "\n".into(),
        "\\t" => "\t".into(),
        "\\r" => "\r".into(),
        "\\0" => "\0".into(),
        _ => seq.strip_prefix('\\').unwrap_or(seq).to_string(),
    }
}

fn parse_number(text: &str) -> Option<f64> {
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    let lower = clean.to_ascii_lowercase();
    if let Some(hex) = lower.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(|v| v as f64);
    }
    lower.trim_end_matches('n').parse().ok()
}

/// The text of a JSDoc block without its delimiters and leading stars.
fn clean_doc(text: &str) -> String {
    let inner = text.trim_start_matches("/**").trim_end_matches("*/");
    inner
        .lines()
        .map(|l| l.trim().trim_start_matches('*').trim())
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}
