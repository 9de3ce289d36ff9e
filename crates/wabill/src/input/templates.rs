//! `--templates FILE`: the category of each message template, for exports
//! that name a template but not its category (Twilio, Kaleyra, Infobip).
//!
//! A CSV with a header; columns found by name in any order:
//! `name` (also `template`, `template_name`, `element_name`), `category`
//! (required), and optionally `id` (also `content_sid`, `template_id`,
//! `sid`) and `body` (also `content`, `text`). A template is found by its
//! name or id (case-insensitive), or — for exports that log only the text
//! sent, like Twilio's — by a body whose `{{1}}`, `{{2}}`… placeholders
//! stand for any text.

use crate::location::LocatedError;
use rustc_hash::FxHashMap;

use super::provider::{Lacking, MapError, Row, header_key};
use crate::model::Category;

#[derive(Clone, Debug, Default)]
pub struct Templates {
    /// The file's name, for diagnostics.
    pub file: String,
    by_key: FxHashMap<String, Category>,
    /// Literal pieces between placeholders, and the template's category.
    bodies: Vec<(Vec<String>, Category)>,
    /// The template's name by id (lower case), and by body (`bodies`'
    /// order), for `--by template` of exports that log only an id or text.
    names: FxHashMap<String, String>,
    body_names: Vec<String>,
}

impl Templates {
    pub fn parse(file: &str, text: &str) -> Result<Templates, LocatedError> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| LocatedError::new(file, 1, e.to_string()))?
            .iter()
            .map(header_key)
            .collect();
        let find = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
        let name = find(&["name", "template", "templatename", "elementname"]);
        let id = find(&["id", "contentsid", "templateid", "sid"]);
        let body = find(&["body", "content", "text"]);
        let Some(category) = find(&["category", "templatecategory"]) else {
            return Err(LocatedError::new(
                file,
                1,
                format!(
                    "no category column (found: {}); expected name,category[,id][,body]",
                    headers.join(", ")
                ),
            ));
        };
        if name.is_none() && id.is_none() && body.is_none() {
            return Err(LocatedError::new(
                file,
                1,
                format!(
                    "no name, id or body column to find templates by (found: {})",
                    headers.join(", ")
                ),
            ));
        }
        let mut templates = Templates {
            file: file.to_string(),
            ..Templates::default()
        };
        for (i, row) in reader.records().enumerate() {
            let line = i as u64 + 2;
            let row = row.map_err(|e| LocatedError::new(file, line, e.to_string()))?;
            let cell = |c: Option<usize>| c.and_then(|c| row.get(c)).unwrap_or("").trim();
            let value = cell(Some(category));
            let category: Category = value.parse().map_err(|()| {
                LocatedError::new(
                    file,
                    line,
                    format!("category {value:?}: expected marketing, utility or authentication"),
                )
                .in_column(Some(category as u64 + 1))
            })?;
            for key in [cell(name), cell(id)] {
                if !key.is_empty() {
                    templates.by_key.insert(key.to_lowercase(), category);
                }
            }
            if !cell(name).is_empty() && !cell(id).is_empty() {
                templates
                    .names
                    .insert(cell(id).to_lowercase(), cell(name).to_string());
            }
            if !cell(body).is_empty() {
                templates.bodies.push((pieces(cell(body)), category));
                templates.body_names.push(cell(name).to_string());
            }
        }
        Ok(templates)
    }

    /// The category of the template with this name or id.
    pub fn by_key(&self, key: &str) -> Option<Category> {
        let key = key.trim();
        if key.is_empty() {
            return None;
        }
        self.by_key.get(&key.to_lowercase()).copied()
    }

    /// The name of the template with this id, or the key itself (a name).
    pub fn name_of<'k>(&'k self, key: &'k str) -> &'k str {
        self.names
            .get(&key.trim().to_lowercase())
            .map_or(key.trim(), String::as_str)
    }

    /// The name of the first template whose body matches `text` (empty
    /// when the file gives none).
    pub fn name_by_body(&self, text: &str) -> &str {
        let text = text.trim();
        self.bodies
            .iter()
            .position(|(pieces, _)| matches(pieces, text))
            .map_or("", |i| self.body_names[i].as_str())
    }

    /// The reason a row naming a template this file lacks is rejected.
    pub fn missing(&self, template: &str) -> String {
        format!(
            "template {template:?} is not in {}: add it with its category",
            self.file
        )
    }

    /// The category of the first template whose body matches `text`.
    pub fn by_body(&self, text: &str) -> Option<Category> {
        let text = text.trim();
        self.bodies
            .iter()
            .find(|(pieces, _)| matches(pieces, text))
            .map(|(_, c)| *c)
    }
}

/// A body's literal text between its `{{n}}` placeholders.
fn pieces(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = body.trim();
    while let Some(open) = rest.find("{{") {
        let Some(len) = rest[open..].find("}}") else {
            break;
        };
        out.push(rest[..open].to_string());
        rest = &rest[open + len + 2..];
    }
    out.push(rest.to_string());
    out
}

/// Whether `text` is the pieces with anything non-empty between them:
/// first piece a prefix, last a suffix, the others in order between.
fn matches(pieces: &[String], text: &str) -> bool {
    let (first, last) = (&pieces[0], &pieces[pieces.len() - 1]);
    if pieces.len() == 1 {
        return text == first;
    }
    let Some(mut rest) = text.strip_prefix(first.as_str()) else {
        return false;
    };
    let Some(body) = rest.strip_suffix(last.as_str()) else {
        return false;
    };
    rest = body;
    for piece in &pieces[1..pieces.len() - 1] {
        // Each placeholder stands for at least one character.
        let skip = rest.chars().next().map_or(0, char::len_utf8);
        match rest[skip..].find(piece.as_str()) {
            Some(i) => rest = &rest[skip + i + piece.len()..],
            None => return false,
        }
    }
    !rest.is_empty()
}

/// The category `--templates` gives the template `name` of a provider's
/// message (`id`, in an `export` that does not say): a template the file
/// lacks rejects the row (no category); without the file the export
/// cannot be priced.
pub fn category_of(
    templates: Option<&Templates>,
    name: &str,
    row: &mut Row,
    export: &'static Lacking,
    id: impl FnOnce() -> String,
) -> Result<String, MapError> {
    match (templates, templates.and_then(|t| t.by_key(name))) {
        (_, Some(c)) => Ok(c.as_str().to_string()),
        (Some(t), None) => {
            row.reject(t.missing(name));
            Ok(String::new())
        }
        (None, None) => Err(MapError::NeedsTemplates {
            export,
            id: id(),
            about: Some(name.to_string()),
            field: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "name,category,language,id,body\n\
        order_update,UTILITY,en,HX1111,\"Your order {{1}} ships on {{2}}.\"\n\
        spring_sale,MARKETING,en,,\"Spring sale: {{1}} off everything!\"\n\
        login_code,AUTHENTICATION,en,HX3333,\"{{1}} is your verification code.\"\n";

    #[test]
    fn finds_templates_by_name_id_or_body() {
        let t = Templates::parse("t.csv", FILE).unwrap();
        assert_eq!(t.by_key("order_update"), Some(Category::Utility));
        assert_eq!(t.by_key("Order_Update "), Some(Category::Utility));
        assert_eq!(t.by_key("hx3333"), Some(Category::Authentication));
        assert_eq!(t.by_key("nope"), None);
        assert_eq!(t.by_key(""), None);
        let cases = [
            ("Your order A-17 ships on 3 March.", Some(Category::Utility)),
            (
                "Spring sale: 20% off everything!",
                Some(Category::Marketing),
            ),
            (
                "482913 is your verification code.",
                Some(Category::Authentication),
            ),
            // A placeholder stands for at least one character.
            ("Your order  ships on .", None),
            ("Spring sale: 20% off everything! Hurry", None),
            ("Thanks, see you soon", None),
        ];
        for (body, want) in cases {
            assert_eq!(t.by_body(body), want, "{body}");
        }
    }

    #[test]
    fn a_bad_templates_file_is_an_error_naming_the_line() {
        let e = Templates::parse("t.csv", "name,category\nx,promo\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "t.csv:2:2: category \"promo\": expected marketing, utility or authentication"
        );
        let e = Templates::parse("t.csv", "name,kind\nx,utility\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.csv:1: no category column"), "{e}");
        assert_eq!(pieces("a {{1}} b {{2}}"), ["a ", " b ", ""]);
        assert!(matches(&pieces("{{1}}"), "x"));
        assert!(!matches(&pieces("{{1}}"), ""));
    }
}
