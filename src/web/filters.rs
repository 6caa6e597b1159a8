//! The links of a search page: its criteria as they stand, links that set or remove one of
//! them, and the active filters shown as removable chips (each one a plain link to the same
//! search without that filter, so it works without JavaScript).

/// A search's criteria as a query string, trimmed, without the empty ones (for pagination,
/// saved searches and links to the same search elsewhere).
pub fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(
            pairs
                .into_iter()
                .map(|(k, v)| (k, v.trim()))
                .filter(|(_, v)| !v.is_empty()),
        )
        .finish()
}

/// One active filter: what it says, and the same search without it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chip {
    pub label: String,
    pub href: String,
}

/// The criteria of a search page, in the order of its form.
#[derive(Clone, Debug)]
pub struct SearchLinks {
    path: String,
    pairs: Vec<(&'static str, String)>,
    chips: Vec<Chip>,
    /// Parameters that are not filters (sort, month shown): kept when all filters are removed.
    kept: Vec<&'static str>,
}

impl SearchLinks {
    /// The search at `path` with its non-empty criteria (blank values are left out).
    pub fn new<'a>(path: &str, pairs: impl IntoIterator<Item = (&'static str, &'a str)>) -> Self {
        Self {
            path: path.to_owned(),
            pairs: pairs
                .into_iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(k, v)| (k, v.to_owned()))
                .collect(),
            chips: Vec::new(),
            kept: Vec::new(),
        }
    }

    /// Parameters kept by "remove all filters" (sort order, month shown…).
    pub fn keeping(mut self, names: &[&'static str]) -> Self {
        self.kept.extend_from_slice(names);
        self
    }

    /// The value of a criterion, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    fn href_of<'a>(&self, pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        if query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{query}", self.path)
        }
    }

    /// The criteria as a query string (no `page`: links built from it start at page 1).
    pub fn query(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.pairs.iter().map(|(k, v)| (*k, v.as_str())))
            .finish()
    }

    /// This search.
    pub fn href(&self) -> String {
        self.href_of(self.pairs.iter().map(|(k, v)| (*k, v.as_str())))
    }

    /// This search with `name` set to `value` (replacing it if it was there).
    pub fn with(&self, name: &str, value: &str) -> String {
        let mut replaced = false;
        let mut pairs: Vec<(&str, &str)> = self
            .pairs
            .iter()
            .map(|(k, v)| {
                if *k == name {
                    replaced = true;
                    (*k, value)
                } else {
                    (*k, v.as_str())
                }
            })
            .collect();
        if !replaced {
            pairs.push((name, value));
        }
        self.href_of(pairs.into_iter())
    }

    /// This search without the criteria `names`.
    pub fn without(&self, names: &[&str]) -> String {
        self.href_of(
            self.pairs
                .iter()
                .filter(|(k, _)| !names.contains(k))
                .map(|(k, v)| (*k, v.as_str())),
        )
    }

    /// Shows the criterion `names[0]` as an active filter labelled `label`; its chip removes
    /// all of `names` (a radius goes with its commune). Nothing when the criterion is not set.
    pub fn chip(&mut self, names: &[&'static str], label: impl FnOnce(&str) -> String) {
        let Some(value) = names.first().and_then(|n| self.get(n)) else {
            return;
        };
        let label = label(value);
        let href = self.without(names);
        self.chips.push(Chip { label, href });
    }

    /// The active filters, in the order they were declared.
    pub fn chips(&self) -> &[Chip] {
        &self.chips
    }

    /// This search without any filter (the parameters that are not filters stay).
    pub fn cleared(&self) -> String {
        self.href_of(
            self.pairs
                .iter()
                .filter(|(k, _)| self.kept.contains(k))
                .map(|(k, v)| (*k, v.as_str())),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_skip_empty_criteria_and_trim() {
        assert_eq!(
            query_string([
                ("q", " pain "),
                ("metier", ""),
                ("lieu", "Saint-Malo (35400)")
            ]),
            "q=pain&lieu=Saint-Malo+%2835400%29"
        );
        assert_eq!(query_string([("q", "  ")]), "");
    }

    fn links() -> SearchLinks {
        let mut links = SearchLinks::new(
            "/offres",
            [
                ("q", "boulanger"),
                ("commune", "Rennes"),
                ("rayon", "30"),
                ("contrat", "apprentissage"),
                ("niveau", ""),
                ("tri", "date"),
            ],
        )
        .keeping(&["tri"]);
        links.chip(&["q"], |v| format!("« {v} »"));
        links.chip(&["commune", "rayon"], |v| format!("Autour de {v}"));
        links.chip(&["contrat"], |_| "Apprentissage".into());
        links.chip(&["niveau"], |_| "never shown".into());
        links
    }

    #[test]
    fn each_chip_removes_its_own_filter() {
        let links = links();
        let chips: Vec<(&str, &str)> = links
            .chips()
            .iter()
            .map(|c| (c.label.as_str(), c.href.as_str()))
            .collect();
        assert_eq!(
            chips,
            [
                (
                    "« boulanger »",
                    "/offres?commune=Rennes&rayon=30&contrat=apprentissage&tri=date"
                ),
                (
                    "Autour de Rennes",
                    "/offres?q=boulanger&contrat=apprentissage&tri=date"
                ),
                (
                    "Apprentissage",
                    "/offres?q=boulanger&commune=Rennes&rayon=30&tri=date"
                ),
            ]
        );
        assert_eq!(links.cleared(), "/offres?tri=date");
    }

    #[test]
    fn setting_a_filter_replaces_it() {
        let links = links();
        assert_eq!(
            links.with("contrat", "professionnalisation"),
            "/offres?q=boulanger&commune=Rennes&rayon=30&contrat=professionnalisation&tri=date"
        );
        assert_eq!(
            links.with("niveau", "4"),
            "/offres?q=boulanger&commune=Rennes&rayon=30&contrat=apprentissage&tri=date&niveau=4"
        );
        assert_eq!(
            SearchLinks::new("/agenda", [("territoire", " ")]).href(),
            "/agenda"
        );
    }
}
