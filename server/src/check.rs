//! `backend-brain check`: the language server's findings (one implementation, in `features`),
//! placed at file, line and column and printed for people, for GitHub Actions, as SARIF 2.1.0
//! for code-scanning tools, or as JSON.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use serde_json::{json, Value};

use crate::features::{Analysis, Finding, STALE_DOC};
use crate::workspace::config::Severity;

/// One finding, placed. Lines and columns are 1-based; columns count characters.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Placed {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub code: &'static str,
    pub subject: String,
    pub message: String,
    pub severity: SeverityName,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SeverityName {
    Error,
    Warning,
    Note,
}

impl SeverityName {
    fn of(s: Severity) -> SeverityName {
        match s {
            Severity::Error => SeverityName::Error,
            Severity::Warning => SeverityName::Warning,
            _ => SeverityName::Note,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            SeverityName::Error => "error",
            SeverityName::Warning => "warning",
            SeverityName::Note => "note",
        }
    }
}

/// Every finding of the `kinds` asked for, sorted by file, line and column. `text_of` gives a
/// root-relative file's text, to turn byte offsets into lines and columns.
pub fn findings(
    analysis: &Analysis<'_>,
    kinds: &BTreeSet<String>,
    text_of: &dyn Fn(&str) -> Option<String>,
) -> Vec<Placed> {
    let mut out = Vec::new();
    for (file, list) in analysis.diagnostics() {
        let path = analysis.path(file).to_string();
        let text = text_of(&path).unwrap_or_default();
        for f in list.into_iter().filter(|f| kinds.contains(f.code)) {
            out.push(place(&path, &text, f));
        }
    }
    let severity = analysis.config.diagnostics.stale_doc;
    if kinds.contains(STALE_DOC) && severity != Severity::Off {
        for row in analysis.stale_rows() {
            out.push(Placed {
                path: analysis.config.docs.table.clone(),
                line: row.line,
                column: row.column,
                end_line: row.line,
                end_column: row.end_column,
                code: STALE_DOC,
                subject: format!("{} {}", row.method, row.path),
                message: analysis.stale_message(row),
                severity: SeverityName::of(severity),
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

fn place(path: &str, text: &str, f: Finding) -> Placed {
    let (line, column) = line_col(text, f.target.start as usize);
    let (end_line, end_column) = line_col(text, f.target.end as usize);
    Placed {
        path: path.to_string(),
        line,
        column,
        end_line,
        end_column,
        code: f.code,
        subject: f.subject,
        message: f.message,
        severity: SeverityName::of(f.severity),
    }
}

/// 1-based line and character column of a byte offset.
fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line as u32, column as u32)
}

/// `file:line:col: code: subject`, one per line.
pub fn text(findings: &[Placed]) -> String {
    let mut out = String::new();
    for f in findings {
        let _ = writeln!(
            out,
            "{}:{}:{}: {}: {}",
            f.path, f.line, f.column, f.code, f.subject
        );
    }
    out
}

/// GitHub Actions workflow commands: `::warning file=...,line=...,col=...::message`.
pub fn github(findings: &[Placed]) -> String {
    let mut out = String::new();
    for f in findings {
        let level = match f.severity {
            SeverityName::Error => "error",
            SeverityName::Warning => "warning",
            SeverityName::Note => "notice",
        };
        let _ = writeln!(
            out,
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(&f.path),
            f.line,
            f.column,
            f.end_line,
            f.end_column,
            property(f.code),
            data(&f.message)
        );
    }
    out
}

fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `{"findings": [...], "counts": {code: n}}`.
pub fn json(findings: &[Placed]) -> Value {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in findings {
        *counts.entry(f.code).or_default() += 1;
    }
    json!({
        "findings": findings.iter().map(|f| json!({
            "code": f.code,
            "severity": f.severity.as_str(),
            "file": f.path,
            "line": f.line,
            "column": f.column,
            "end_line": f.end_line,
            "end_column": f.end_column,
            "subject": f.subject,
            "message": f.message,
        })).collect::<Vec<_>>(),
        "counts": counts,
    })
}

fn rule_description(code: &str) -> &'static str {
    match code {
        "undocumented-route" => {
            "A route has neither a doc comment with a summary nor a described row in the route table document."
        }
        "stale-doc" => "A row of the route table document names a route the code no longer registers.",
        "duplicate-route" => "The same method and path are registered more than once.",
        "unhandled-event" => "A Socket.IO event is emitted but nothing on the other side handles it.",
        "unemitted-event" => "A Socket.IO event is handled but nothing on the other side emits it.",
        _ => "A backend-brain finding.",
    }
}

/// A SARIF 2.1.0 log with one run; locations are relative to the checked root (`%SRCROOT%`).
pub fn sarif(findings: &[Placed], kinds: &BTreeSet<String>) -> Value {
    let rules: Vec<&String> = kinds.iter().collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "ruleId": f.code,
                "ruleIndex": rules.iter().position(|r| r.as_str() == f.code).unwrap_or(0),
                "level": f.severity.as_str(),
                "message": { "text": f.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": f.path, "uriBaseId": "%SRCROOT%" },
                        "region": {
                            "startLine": f.line,
                            "startColumn": f.column,
                            "endLine": f.end_line,
                            "endColumn": f.end_column,
                        }
                    }
                }],
                "partialFingerprints": { "subject/v1": format!("{}:{}", f.code, f.subject) },
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "backend-brain",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules.iter().map(|code| json!({
                        "id": code,
                        "name": code,
                        "shortDescription": { "text": rule_description(code) },
                    })).collect::<Vec<_>>(),
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        assert_eq!(line_col("ab\ncé d", 7), (2, 4));
        assert_eq!(line_col("x", 99), (1, 2));
    }

    #[test]
    fn workflow_command_values_are_escaped() {
        assert_eq!(property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(data("a:b,c"), "a:b,c");
    }
}
