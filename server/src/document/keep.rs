//! What a previous BACKEND_BRAIN.md holds that regeneration must carry over: the Description
//! cell of each route row (keyed by method and path), and the free text between keep markers
//! (anchored to the `## ` section it was written in).

use std::collections::BTreeMap;

use crate::features::DocsTable;

pub const KEEP_START: &str = "<!-- backend-brain:keep -->";
pub const KEEP_END: &str = "<!-- backend-brain:end -->";
/// The comment that marks a document as written by `generate`.
pub const GENERATED: &str = "<!-- backend-brain:generated";

/// Where a kept block was written: its `## ` heading (`None` before the first one), and whether
/// it came before the section's generated text (`top`) or after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    pub section: Option<String>,
    pub top: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kept {
    pub anchor: Anchor,
    /// The block, markers included, lines joined with `\n`.
    pub text: String,
}

/// The human text of a previous document.
#[derive(Clone, Debug, Default)]
pub struct Previous {
    /// Non-empty Description cells by (METHOD, path), first row wins.
    pub descriptions: BTreeMap<(String, String), String>,
    pub kept: Vec<Kept>,
}

impl Previous {
    pub fn parse(text: &str) -> Previous {
        let foreign = !text.contains(GENERATED);
        let mut kept = Vec::new();
        // The document with kept blocks blanked (line count unchanged), so that tables written
        // inside them stay where they are instead of feeding the Description column.
        let mut outside = String::with_capacity(text.len());
        let mut section: Option<String> = None;
        let mut content_seen = false;
        let mut block: Option<(Anchor, Vec<&str>)> = None;
        for line in text.lines() {
            let trimmed = line.trim();
            if let Some((anchor, mut lines)) = block.take() {
                lines.push(line);
                outside.push('\n');
                if trimmed == KEEP_END {
                    kept.push(Kept {
                        anchor,
                        text: lines.join("\n"),
                    });
                } else {
                    block = Some((anchor, lines));
                }
                continue;
            }
            if trimmed == KEEP_START {
                let anchor = Anchor {
                    section: section.clone(),
                    top: section.is_some() && !content_seen,
                };
                block = Some((anchor, vec![line]));
                outside.push('\n');
                continue;
            }
            outside.push_str(line);
            outside.push('\n');
            if let Some(heading) = line.strip_prefix("## ") {
                section = Some(format!("## {}", heading.trim()));
                content_seen = false;
            } else if !trimmed.is_empty() {
                content_seen = true;
            }
        }
        if let Some((anchor, mut lines)) = block {
            // An unterminated block keeps everything to the end of the file.
            lines.push(KEEP_END);
            kept.push(Kept {
                anchor,
                text: lines.join("\n"),
            });
        }
        let mut descriptions = BTreeMap::new();
        for row in DocsTable::parse(&outside).rows() {
            if let Some(d) = row.description.as_deref().map(str::trim) {
                if !d.is_empty() {
                    descriptions
                        .entry((row.method.clone(), row.path.clone()))
                        .or_insert_with(|| d.to_string());
                }
            }
        }
        if foreign && !text.trim().is_empty() {
            // A document not written by `generate`: all of it is kept, below the generated text,
            // for its authors to move or delete.
            let body: Vec<&str> = text
                .lines()
                .filter(|l| !matches!(l.trim(), KEEP_START | KEEP_END))
                .collect();
            let text = format!(
                "{KEEP_START}\n### From the previous document\n\n{}\n{KEEP_END}",
                body.join("\n").trim_end()
            );
            kept = vec![Kept {
                anchor: Anchor {
                    section: Some(super::NOTES.to_string()),
                    top: false,
                },
                text,
            }];
        }
        Previous { descriptions, kept }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_anchored_to_their_section() {
        let text = "# T\n<!-- backend-brain:generated -->\n<!-- backend-brain:keep -->\nintro\n<!-- backend-brain:end -->\n\n## Routes\n\n<!-- backend-brain:keep -->\nfirst\n<!-- backend-brain:end -->\n| a |\n<!-- backend-brain:keep -->\nlast\n";
        let p = Previous::parse(text);
        let got: Vec<(Option<&str>, bool, &str)> = p
            .kept
            .iter()
            .map(|k| (k.anchor.section.as_deref(), k.anchor.top, k.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    None,
                    false,
                    "<!-- backend-brain:keep -->\nintro\n<!-- backend-brain:end -->"
                ),
                (
                    Some("## Routes"),
                    true,
                    "<!-- backend-brain:keep -->\nfirst\n<!-- backend-brain:end -->"
                ),
                (
                    Some("## Routes"),
                    false,
                    "<!-- backend-brain:keep -->\nlast\n<!-- backend-brain:end -->"
                ),
            ]
        );
    }

    #[test]
    fn descriptions_come_from_tables_outside_kept_blocks() {
        let text = "<!-- backend-brain:generated -->\n| Method | Path | Description |\n|---|---|---|\n| GET | `/a` | Reads a \\| b. |\n| GET | `/b` |  |\n<!-- backend-brain:keep -->\n| Method | Path | Description |\n|---|---|---|\n| GET | `/c` | kept |\n<!-- backend-brain:end -->\n";
        let p = Previous::parse(text);
        let got: Vec<(&str, &str)> = p
            .descriptions
            .iter()
            .map(|((_, path), d)| (path.as_str(), d.as_str()))
            .collect();
        assert_eq!(got, [("/a", "Reads a | b.")]);
    }
}
