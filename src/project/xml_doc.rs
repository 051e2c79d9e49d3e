//! XML with line numbers, for the Maven readers, parsed with `roxmltree` so that nothing in a
//! file can make ca-env fetch, expand or resolve anything: a DOCTYPE is refused outright
//! (`roxmltree` refuses DTDs unless asked to allow them, so no entity is ever declared, let
//! alone expanded or resolved from outside), the file is at most 1 MiB (`ProjectFs`), and
//! documents with too many nodes or nested too deep are refused before anything walks them.
//! Problems name a line and never quote the file.

use std::ops::Range;

use roxmltree::{Document, Node, ParsingOptions};

/// The deepest nesting read: a POM or settings.xml is about six levels deep.
pub const MAX_DEPTH: usize = 64;

/// The most nodes (elements, text, comments) a document may have.
pub const MAX_NODES: u32 = 200_000;

pub struct Xml<'t> {
    doc: Document<'t>,
    /// Byte offsets of every newline: a node's line is a binary search.
    newlines: Vec<usize>,
}

impl<'t> Xml<'t> {
    /// Parses `text`; on error, the line (when known) and why, without quoting.
    pub fn parse(text: &'t str) -> Result<Xml<'t>, (Option<usize>, &'static str)> {
        let newlines: Vec<usize> = text.match_indices('\n').map(|(i, _)| i).collect();
        let line_at = |offset: usize| newlines.partition_point(|&n| n < offset) + 1;
        let options = ParsingOptions {
            allow_dtd: false,
            nodes_limit: MAX_NODES,
            entity_resolver: None,
        };
        let doc = match Document::parse_with_options(text, options) {
            Ok(doc) => doc,
            Err(roxmltree::Error::DtdDetected) => {
                let line = text.find("<!DOCTYPE").map(line_at);
                return Err((line, "has a DOCTYPE, which ca-env does not read"));
            }
            Err(roxmltree::Error::NodesLimitReached) => {
                return Err((None, "has too many XML nodes; not read"));
            }
            Err(e) => return Err((Some(e.pos().row as usize), "not valid XML")),
        };
        // Depth by node id (parents come before their children in document order), without
        // recursion: nothing below walks a document deeper than this.
        let mut depth = vec![0usize; doc.descendants().count() + 1];
        for node in doc.descendants() {
            let d = node.parent().map_or(0, |p| depth[p.id().get_usize()] + 1);
            if d > MAX_DEPTH {
                return Err((
                    Some(line_at(node.range().start)),
                    "XML nested too deeply; not read",
                ));
            }
            depth[node.id().get_usize()] = d;
        }
        Ok(Xml { doc, newlines })
    }

    pub fn root(&self) -> Node<'_, 't> {
        self.doc.root_element()
    }

    /// The line a node starts on.
    pub fn line(&self, node: Node) -> usize {
        self.line_at(node.range())
    }

    fn line_at(&self, range: Range<usize>) -> usize {
        self.newlines.partition_point(|&n| n < range.start) + 1
    }
}

/// The child elements of `node` named `name` (any namespace: POMs use Maven's).
pub fn children<'a, 't: 'a>(
    node: Node<'a, 't>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 't>> + 'a {
    node.children()
        .filter(move |n| n.is_element() && n.tag_name().name() == name)
}

/// The first child element named `name`.
pub fn child<'a, 't: 'a>(node: Node<'a, 't>, name: &'a str) -> Option<Node<'a, 't>> {
    children(node, name).next()
}

/// The trimmed text of the first child element named `name`, with the element.
pub fn child_text<'a, 't: 'a>(
    node: Node<'a, 't>,
    name: &'a str,
) -> Option<(&'a str, Node<'a, 't>)> {
    let c = child(node, name)?;
    Some((c.text().unwrap_or("").trim(), c))
}

/// The elements at `path` below `node` (`["profiles", "profile"]`).
pub fn at_path<'a, 't: 'a>(node: Node<'a, 't>, path: &[&'a str]) -> Vec<Node<'a, 't>> {
    let mut nodes = vec![node];
    for name in path {
        nodes = nodes
            .into_iter()
            .flat_map(|n| children(n, name).collect::<Vec<_>>())
            .collect();
    }
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> (Option<usize>, &'static str) {
        match Xml::parse(text) {
            Ok(_) => panic!("parsed"),
            Err(e) => e,
        }
    }

    #[test]
    fn lines_and_paths() {
        let xml = Xml::parse("<a>\n <b><c> x </c></b>\n <b><c>y</c></b></a>").unwrap();
        let cs = at_path(xml.root(), &["b", "c"]);
        assert_eq!(cs.len(), 2);
        assert_eq!(xml.line(cs[1]), 3);
        let (text, _) = child_text(at_path(xml.root(), &["b"])[0], "c").unwrap();
        assert_eq!(text, "x");
    }

    #[test]
    fn hostile_documents_are_refused() {
        let laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n]>\n<lolz>&lol2;</lolz>";
        assert_eq!(
            err(laughs),
            (Some(2), "has a DOCTYPE, which ca-env does not read")
        );
        let external = "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>";
        assert_eq!(err(external).1, "has a DOCTYPE, which ca-env does not read");
        // An entity no DTD declared is not valid XML; nothing looks it up.
        assert_eq!(err("<x>\n&e;</x>"), (Some(2), "not valid XML"));
        let deep = "<a>".repeat(10_000) + &"</a>".repeat(10_000);
        assert_eq!(err(&deep).1, "XML nested too deeply; not read");
        let wide = "<a>".to_string() + &"<b/>".repeat(MAX_NODES as usize) + "</a>";
        assert_eq!(err(&wide).1, "has too many XML nodes; not read");
        assert_eq!(err("<a><b></a>").1, "not valid XML");
        assert_eq!(err("").1, "not valid XML");
    }
}
