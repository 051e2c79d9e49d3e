//! `export json`: one object, a name to a value or `null` (unset), for other programs.

use super::{Change, Dialect, FastPath};

pub struct Json;

impl Dialect for Json {
    fn set(&self, _name: &str, value: &str) -> String {
        serde_json::Value::String(value.to_string()).to_string()
    }

    fn unset(&self, _name: &str) -> String {
        serde_json::Value::Null.to_string()
    }

    fn render(&self, changes: &[Change], _fast: Option<FastPath>, _watch: &[String]) -> String {
        let map: serde_json::Map<String, serde_json::Value> = changes
            .iter()
            .map(|c| {
                let v = match &c.value {
                    Some(v) => serde_json::Value::String(v.expose().to_string()),
                    None => serde_json::Value::Null,
                };
                (c.name.clone(), v)
            })
            .collect();
        if map.is_empty() {
            return String::new();
        }
        let mut out = serde_json::to_string_pretty(&map).expect("strings serialise");
        out.push('\n');
        out
    }
}
