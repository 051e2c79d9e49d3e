//! NuGet: the package sources of the `nuget.config` files NuGet reads (NuGet.Client
//! `Settings.LoadSettingsForSpecificConfigs` / `GetSettingsFilesFullPath`): one file in each
//! directory from the working directory up to the root (the first of `nuget.config`,
//! `NuGet.config`, `NuGet.Config`), the nearest taking precedence, then the user's
//! `~/.nuget/NuGet/NuGet.Config`. In `<packageSources>`, `<add key value>` defines a source
//! (a nearer file's key wins, compared ignoring case), `<remove key>` drops one, and `<clear/>`
//! drops every source of the files further away and of the lines above it;
//! `<disabledPackageSources>` turns sources off the same way.
//!
//! NuGet reads a source's credentials from `NuGetPackageSourceCredentials_<name>`
//! (`Username=…;Password=…`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::{Collector, Entry, Form, Found, Origin, Role, Tool};
use crate::env::Env;

/// The names NuGet looks for in a directory, in its order (case matters on Linux).
const NAMES: [&str; 3] = ["nuget.config", "NuGet.config", "NuGet.Config"];

/// What an XML file may hold before it is refused (a nuget.config has tens of elements).
const MAX_NODES: u32 = 100_000;

pub fn discover(env: &Env, cwd: &Path, found: &mut Found) {
    // Nearest first: what a file says hides what the files after it say.
    let mut files: Vec<(PathBuf, Origin)> = cwd
        .ancestors()
        .filter_map(|dir| {
            NAMES
                .iter()
                .map(|n| dir.join(n))
                .find(|p| p.is_file())
                .map(|p| (p, Origin::Project))
        })
        .collect();
    if let Some(home) = env.home() {
        files.push((home.join(".nuget/NuGet/NuGet.Config"), Origin::UserConfig));
    }
    let mut merged = Merged::default();
    let first = found.entries.len();
    for (path, origin) in files {
        if merged.cleared {
            break;
        }
        found.read_file(&path, origin, |c, rel| merged.read(c, rel));
    }
    // Disabled sources are known only once every file is read.
    let mut index = 0;
    found.entries.retain(|e| {
        index += 1;
        index <= first
            || e.tool != Tool::Nuget
            || !e
                .name
                .as_deref()
                .is_some_and(|n| merged.disabled.contains(&n.to_lowercase()))
    });
}

/// What the files read so far decided, nearest first.
#[derive(Default)]
struct Merged {
    /// Source names (lower-cased) a nearer file defined or removed.
    decided: HashSet<String>,
    /// A nearer file cleared the sources: no further file adds any.
    cleared: bool,
    /// Disabled sources (lower-cased), and every name whose state a nearer file decided.
    disabled: HashSet<String>,
    disabled_decided: HashSet<String>,
    disabled_cleared: bool,
}

impl Merged {
    fn read(&mut self, c: &mut Collector, rel: &Path) {
        let Some(text) = c.read(rel) else {
            return;
        };
        let options = roxmltree::ParsingOptions {
            allow_dtd: false,
            nodes_limit: MAX_NODES,
            ..Default::default()
        };
        let doc = match roxmltree::Document::parse_with_options(&text, options) {
            Ok(doc) => doc,
            Err(e) => {
                let why = match e {
                    roxmltree::Error::DtdDetected => "holds a DTD, which is never read",
                    roxmltree::Error::NodesLimitReached => "too many XML elements; not read",
                    _ => "not valid XML",
                };
                return c.problem(rel, Some(e.pos().row as usize), why);
            }
        };
        let root = doc.root_element();
        if root.tag_name().name() != "configuration" {
            return;
        }
        let section = |name: &str| root.children().find(|n| n.has_tag_name(name));
        if let Some(sources) = section("packageSources") {
            self.sources(c, rel, &doc, sources);
        }
        if let Some(disabled) = section("disabledPackageSources") {
            self.disabled(disabled);
        }
    }

    fn sources(
        &mut self,
        c: &mut Collector,
        rel: &Path,
        doc: &roxmltree::Document,
        section: roxmltree::Node,
    ) {
        let (cleared, here) = last_lines(section, &["add", "remove"]);
        self.cleared |= cleared;
        for (lower, item) in here {
            // A nearer file already defined or removed it.
            if !self.decided.insert(lower) {
                continue;
            }
            // The name's last line removed it.
            if !item.has_tag_name("add") {
                continue;
            }
            let (Some(key), Some(url)) = (item.attribute("key"), item.attribute("value")) else {
                continue;
            };
            let line = doc.text_pos_at(item.range().start).row as usize;
            c.add(Entry::new(
                Tool::Nuget,
                Form::ToolConfig,
                Role::Index,
                Some(key),
                url,
                rel,
                line,
            ));
        }
    }

    fn disabled(&mut self, section: roxmltree::Node) {
        if self.disabled_cleared {
            return;
        }
        let (cleared, here) = last_lines(section, &["add"]);
        self.disabled_cleared |= cleared;
        let here = here.into_iter().map(|(lower, item)| {
            let off = item
                .attribute("value")
                .is_some_and(|v| v.eq_ignore_ascii_case("true"));
            (lower, off)
        });
        for (lower, off) in here {
            if self.disabled_decided.insert(lower.clone()) && off {
                self.disabled.insert(lower);
            }
        }
    }
}

/// A section's lines as NuGet merges them within one file: only what follows its last
/// `<clear/>` counts (and whether there was one: then nothing further away does), and of the
/// elements named `tags`, each key's (lower-cased) last one, in order.
fn last_lines<'a, 'input>(
    section: roxmltree::Node<'a, 'input>,
    tags: &[&str],
) -> (bool, Vec<(String, roxmltree::Node<'a, 'input>)>) {
    let items: Vec<roxmltree::Node> = section.children().filter(|n| n.is_element()).collect();
    let clear = items.iter().rposition(|n| n.has_tag_name("clear"));
    let mut here: Vec<(String, roxmltree::Node)> = Vec::new();
    for item in &items[clear.map_or(0, |at| at + 1)..] {
        let Some(key) = item.attribute("key") else {
            continue;
        };
        if !tags.contains(&item.tag_name().name()) {
            continue;
        }
        let lower = key.to_lowercase();
        here.retain(|(k, _)| *k != lower);
        here.push((lower, *item));
    }
    (clear.is_some(), here)
}

#[cfg(test)]
mod tests {
    use super::super::{discover, Origin, Tool};
    use crate::env::Env;
    use crate::project::tests::write;
    use std::fs;
    use std::path::Path;

    const CA: &str =
        "https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/nuget/feed/v3/index.json";

    fn config(sources: &str) -> String {
        format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n{sources}\n</configuration>\n")
    }

    /// Origin, name, file (relative to the home) and line.
    type Seen = (Origin, String, String, usize);

    fn nuget(home: &Path, cwd: &str) -> (Vec<Seen>, Vec<String>) {
        let h = home.display().to_string();
        let env = Env::from_pairs(&[("HOME", h.as_str())], Some(home.join(cwd)));
        let found = discover(&env);
        let entries = found
            .entries
            .iter()
            .filter(|e| e.tool == Tool::Nuget)
            .map(|e| {
                let file = e.file.strip_prefix(home).unwrap().display().to_string();
                (e.origin, e.name.clone().unwrap(), file, e.line)
            })
            .collect();
        let problems = found
            .problems
            .iter()
            .map(|p| p.to_string().replace(&h, "~"))
            .collect();
        (entries, problems)
    }

    #[test]
    fn nearer_files_win_clear_hides_the_further_ones_and_disabled_sources_are_off() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        write(
            h,
            ".nuget/NuGet/NuGet.Config",
            config(&format!(
                "<packageSources>\n<add key=\"user\" value=\"{CA}\" />\n</packageSources>"
            )),
        );
        write(
            h,
            "repo/NuGet.Config",
            config(&format!(
                "<packageSources>\n  <add key=\"Corp\" value=\"{CA}\" />\n  \
                 <add key=\"nuget.org\" value=\"https://api.nuget.org/v3/index.json\" />\n  \
                 <add key=\"gone\" value=\"{CA}\" />\n</packageSources>\n\
                 <disabledPackageSources><add key=\"Off\" value=\"true\" /></disabledPackageSources>"
            )),
        );
        write(
            h,
            "repo/app/nuget.config",
            config(&format!(
                "<packageSources>\n  <add key=\"corp\" value=\"{CA}\" />\n  \
                 <remove key=\"gone\" />\n  <add key=\"off\" value=\"{CA}\" />\n</packageSources>"
            )),
        );
        fs::create_dir_all(h.join("repo/app/src")).unwrap();
        let (entries, problems) = nuget(h, "repo/app/src");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            entries,
            [
                (
                    Origin::Project,
                    "corp".into(),
                    "repo/app/nuget.config".into(),
                    4
                ),
                (
                    Origin::Project,
                    "nuget.org".into(),
                    "repo/NuGet.Config".into(),
                    5
                ),
                (
                    Origin::UserConfig,
                    "user".into(),
                    ".nuget/NuGet/NuGet.Config".into(),
                    4
                ),
            ]
        );
        // A <clear/> hides the files further away and the lines above it.
        write(
            h,
            "repo/app/nuget.config",
            config(&format!(
                "<packageSources>\n<add key=\"before\" value=\"{CA}\" />\n<clear />\n\
                 <add key=\"after\" value=\"{CA}\" />\n</packageSources>"
            )),
        );
        let (entries, _) = nuget(h, "repo/app");
        assert_eq!(
            entries,
            [(
                Origin::Project,
                "after".into(),
                "repo/app/nuget.config".into(),
                6
            )]
        );
    }

    #[test]
    fn hostile_xml_is_one_problem_and_never_expanded() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        let laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\">\
                      <!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>\n\
                      <configuration><packageSources><add key=\"x\" value=\"&lol2;\"/>\
                      </packageSources></configuration>";
        write(h, "a/nuget.config", laughs);
        let external = "<?xml version=\"1.0\"?>\n<!DOCTYPE c [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n<configuration>&e;</configuration>";
        write(h, "b/nuget.config", external);
        write(h, "c/nuget.config", "<configuration><packageSources>SECRET");
        let deep = format!("<configuration>{}", "<a>".repeat(99_000));
        write(h, "d/nuget.config", &deep);
        let wide = format!("<configuration>{}</configuration>", "<a/>".repeat(200_000));
        write(h, "e/nuget.config", &wide);
        let mut all = Vec::new();
        for dir in ["a", "b", "c", "d", "e"] {
            let (entries, problems) = nuget(h, dir);
            assert!(entries.is_empty(), "{dir}: {entries:?}");
            all.extend(problems);
        }
        assert_eq!(
            all,
            [
                "~/a/nuget.config:1: holds a DTD, which is never read",
                "~/b/nuget.config:1: holds a DTD, which is never read",
                "~/c/nuget.config:1: not valid XML",
                "~/d/nuget.config:1: not valid XML",
                "~/e/nuget.config:1: too many XML elements; not read",
            ]
        );
    }
}
