//! A project's own `pip.conf` / `pip.ini`: `index-url` and `extra-index-url` (or with
//! underscores, as pip accepts) in any section; values may list several URLs.

use std::path::Path;

use super::{Collector, Entry, Origin, Role, Tool};
use crate::ini;

pub fn read(c: &mut Collector) {
    for file in ["pip.conf", "pip.ini"] {
        let rel = Path::new(file);
        let Some(text) = c.read(rel) else {
            continue;
        };
        for section in ini::parse(&text) {
            for (key, value, line) in &section.entries {
                let role = match key.replace('_', "-").as_str() {
                    "index-url" => Role::Index,
                    "extra-index-url" => Role::Extra,
                    _ => continue,
                };
                for (i, value_line) in value.split('\n').enumerate() {
                    for url in value_line.split_whitespace() {
                        let entry =
                            Entry::new(Tool::Pip, Origin::PipConf, role, None, url, rel, line + i);
                        c.entries.push(entry);
                    }
                }
            }
        }
    }
}
