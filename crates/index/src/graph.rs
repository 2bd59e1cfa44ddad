//! Link-graph queries: links, backlinks, the whole graph, orphans and wanted pages. All are
//! answered from the snapshot in one pass, never by asking per page.

use std::collections::HashMap;

use robot_wiki::PagePath;

use crate::catalog::Catalog;
use crate::page::PageEntry;

impl Catalog {
    /// The pages `page` links to, sorted by lookup key: existing pages as they are named, missing
    /// ones as the link spells them. Includes a link to itself. Empty when `page` does not exist.
    pub fn links_from(&self, page: &PagePath) -> Vec<PagePath> {
        let Some(source) = self.pages.get(page.lookup_key().as_str()) else {
            return Vec::new();
        };
        source
            .links
            .iter()
            .map(|(key, spelled)| match self.pages.get(key) {
                Some(target) => target.entry.path.clone(),
                None => spelled.clone(),
            })
            .collect()
    }

    /// The pages linking to `page` (its backlinks), sorted by lookup key; works for missing pages
    /// too (who wants it). Includes `page` itself when it links to itself.
    pub fn links_to(&self, page: &PagePath) -> Vec<PagePath> {
        let Some(sources) = self.incoming.get(page.lookup_key().as_str()) else {
            return Vec::new();
        };
        sources
            .iter()
            .filter_map(|key| self.pages.get(key))
            .map(|p| p.entry.path.clone())
            .collect()
    }

    /// The whole graph in display form: nodes are every page and every missing link target,
    /// sorted by lookup key; edges are `(source, target)` pairs sorted by the keys of both.
    pub fn graph(&self) -> (Vec<String>, Vec<(String, String)>) {
        let mut names: HashMap<&str, String> = self
            .pages
            .iter()
            .map(|(key, p)| (key.as_ref(), p.entry.path.to_string()))
            .collect();
        for key in self.incoming.keys() {
            if !self.pages.contains_key(key) {
                names.insert(key, self.missing_name(key));
            }
        }
        let mut nodes: Vec<(&str, &String)> = names.iter().map(|(k, n)| (*k, n)).collect();
        nodes.sort();
        let mut edges = Vec::new();
        for (key, source) in &self.pages {
            for target in source.links.keys() {
                if let (Some(from), Some(to)) =
                    (names.get(key.as_ref()), names.get(target.as_ref()))
                {
                    edges.push((from.clone(), to.clone()));
                }
            }
        }
        (nodes.into_iter().map(|(_, n)| n.clone()).collect(), edges)
    }

    /// Pages no *other* page links to, sorted by lookup key. `Home` is never an orphan (it is
    /// the front page), and a link to itself does not keep a page from being one.
    pub fn orphans(&self) -> Vec<&PageEntry> {
        let home = PagePath::home().lookup_key();
        self.pages
            .iter()
            .filter(|(key, _)| key.as_ref() != home)
            .filter(|(key, _)| {
                self.incoming
                    .get(*key)
                    .is_none_or(|sources| sources.iter().all(|s| s == *key))
            })
            .map(|(_, p)| &p.entry)
            .collect()
    }

    /// Link targets that are not pages ("wanted pages") with the number of pages linking to each,
    /// most wanted first, then by name.
    pub fn missing_targets(&self) -> Vec<(String, usize)> {
        let mut wanted: Vec<(String, usize)> = self
            .incoming
            .iter()
            .filter(|(key, _)| !self.pages.contains_key(*key))
            .map(|(key, sources)| (self.missing_name(key), sources.len()))
            .collect();
        wanted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        wanted
    }

    /// How a missing page is shown: the smallest spelling among the links to it, so the answer
    /// does not depend on how the catalog was built.
    fn missing_name(&self, key: &str) -> String {
        self.incoming
            .get(key)
            .into_iter()
            .flat_map(|sources| sources.iter())
            .filter_map(|source| self.pages.get(source)?.links.get(key))
            .min()
            .map_or_else(|| key.to_owned(), ToString::to_string)
    }
}
