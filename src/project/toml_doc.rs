//! TOML with line numbers, for the project readers: values keep their spans so that every
//! entry and every problem names its line, and type errors are described without quoting.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

pub type Value<'t> = Spanned<DeValue<'t>>;

pub struct Doc<'t> {
    root: Spanned<DeTable<'t>>,
    /// Byte offsets of every newline, so that a span's line is a binary search: a file may
    /// hold thousands of entries.
    newlines: Vec<usize>,
}

/// A string field of a table, as found.
pub enum Field<'a> {
    Missing,
    Str(&'a str, usize),
    /// Present with another type; the line.
    WrongType(usize),
}

impl<'t> Doc<'t> {
    /// Parses `text`; on error, the line the parser stopped at.
    pub fn parse(text: &'t str) -> Result<Doc<'t>, usize> {
        match DeTable::parse(text) {
            Ok(root) => Ok(Doc {
                root,
                newlines: text.match_indices('\n').map(|(i, _)| i).collect(),
            }),
            Err(e) => Err(e
                .span()
                .map_or(1, |s| crate::text::line_of(text.as_bytes(), s.start))),
        }
    }

    pub fn line(&self, span: Range<usize>) -> usize {
        self.newlines.partition_point(|&n| n < span.start) + 1
    }

    pub fn root(&self) -> &DeTable<'t> {
        self.root.get_ref()
    }

    /// The table at a dotted path from the root: `Ok(None)` when absent, `Err(line)` when
    /// something on the way is not a table.
    pub fn table<'a>(&'a self, path: &[&str]) -> Result<Option<&'a DeTable<'t>>, usize> {
        self.table_in(self.root.get_ref(), path)
    }

    /// The same from another table.
    pub fn table_in<'a>(
        &self,
        base: &'a DeTable<'t>,
        path: &[&str],
    ) -> Result<Option<&'a DeTable<'t>>, usize> {
        let mut table = base;
        for key in path {
            match table.get(*key) {
                None => return Ok(None),
                Some(v) => match v.get_ref() {
                    DeValue::Table(t) => table = t,
                    _ => return Err(self.line(v.span())),
                },
            }
        }
        Ok(Some(table))
    }

    pub fn str_field<'a>(&self, table: &'a DeTable<'t>, key: &str) -> Field<'a> {
        match table.get(key) {
            None => Field::Missing,
            Some(v) => match v.get_ref() {
                DeValue::String(s) => Field::Str(s.as_ref(), self.line(v.span())),
                _ => Field::WrongType(self.line(v.span())),
            },
        }
    }

    pub fn bool_field(&self, table: &DeTable<'t>, key: &str) -> bool {
        matches!(
            table.get(key).map(|v| v.get_ref()),
            Some(DeValue::Boolean(true))
        )
    }
}

/// The tables of an array of tables (`[[x]]`), each with its line; `Err(line)` when the value
/// is not an array of tables.
pub fn tables<'a, 't>(
    doc: &Doc<'t>,
    value: &'a Value<'t>,
) -> Result<Vec<(&'a DeTable<'t>, usize)>, usize> {
    let DeValue::Array(items) = value.get_ref() else {
        return Err(doc.line(value.span()));
    };
    items
        .iter()
        .map(|item| match item.get_ref() {
            DeValue::Table(t) => Ok((t, doc.line(item.span()))),
            _ => Err(doc.line(item.span())),
        })
        .collect()
}
