//! The project here: what ca-env found, whether its domains are trusted, and whether its files
//! hold anything ca-env could not use (`ca-env status` shows the details).

use super::{Check, Context};
use crate::codeartifact::DomainOwner;
use crate::provider::ProviderKind;

const GROUP: &str = "project";

pub fn check(cx: &Context, out: &mut Vec<Check>) {
    let p = &cx.project;
    if p.root.is_none() && p.sources.is_empty() {
        out.push(Check::skip(GROUP, "sources", "no project here"));
        return;
    }
    let place = p
        .root
        .as_deref()
        .map_or("here".to_string(), |r| cx.shown(r));
    if p.sources.is_empty() {
        out.push(Check::fail(
            GROUP,
            "sources",
            format!("{place}: no CodeArtifact index in the project's files, the tools' user files or variables"),
            "'ca-env status' shows what was found and why an index was not used",
        ));
    } else {
        let mut tools: Vec<&str> = p.sources.iter().map(|s| s.tool.as_str()).collect();
        tools.dedup();
        out.push(Check::ok(
            GROUP,
            "sources",
            format!(
                "{place}: {} source(s) ({})",
                p.sources.len(),
                tools.join(", ")
            ),
        ));
    }
    let mut untrusted: Vec<DomainOwner> = p
        .sources
        .iter()
        .filter(|s| !s.trusted)
        .map(|s| s.domain_owner())
        .collect();
    untrusted.sort();
    untrusted.dedup();
    for pair in &untrusted {
        let hint = match pair.provider {
            ProviderKind::CodeArtifact => "run 'ca-env allow' here, or list the account under [trust] in the configuration".to_string(),
            _ => format!("run 'ca-env allow' here, or add \"{pair}\" to domains under [trust] in the configuration"),
        };
        out.push(Check::fail(
            GROUP,
            "trust",
            format!("{} is not trusted: nothing is set for it", pair.describe()),
            hint,
        ));
    }
    if untrusted.is_empty() && !p.sources.is_empty() {
        out.push(Check::ok(
            GROUP,
            "trust",
            "every source's domain is trusted",
        ));
    }
    // The configuration's own problems are the store group's.
    let problems: Vec<_> = p
        .problems
        .iter()
        .filter(|x| !cx.config.problems.contains(x))
        .collect();
    match problems.first() {
        None => out.push(Check::ok(
            GROUP,
            "problems",
            "nothing in the files ca-env read here that it could not use",
        )),
        Some(first) => out.push(
            Check::fail(
                GROUP,
                "problems",
                format!(
                    "{} thing(s) in the files ca-env read here it could not use; the first: {}",
                    problems.len(),
                    crate::output::printable(&first.to_string())
                ),
                "'ca-env status' lists them all with file and line",
            )
            .at(
                first.file.as_ref().map(|f| match &p.root {
                    Some(root) if f.is_relative() => root.join(f),
                    _ => f.clone(),
                }),
                first.line,
            ),
        ),
    }
}
