//! The menus of every page: the public areas (in `templates/base.html`), and « Mon espace »,
//! the links each capability registers for the people who may follow them (asked of the
//! policy by the capability; this module knows no capability).

use serde::Serialize;

use crate::auth::CurrentUser;

/// One link of a menu.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
}

impl NavLink {
    pub const fn new(href: &'static str, label: &'static str) -> Self {
        NavLink { href, label }
    }
}

/// Gives the links of « Mon espace » a person may follow (often none). Runs on every page:
/// no database, only what the signed-in person's session says.
pub type SpaceLinks = fn(&CurrentUser) -> Vec<NavLink>;

/// The sources of « Mon espace », in the order their links are shown.
#[derive(Default)]
pub struct Registry {
    sources: Vec<SpaceLinks>,
}

impl Registry {
    pub fn space(&mut self, source: SpaceLinks) -> &mut Self {
        self.sources.push(source);
        self
    }

    /// The person's links, in registration order, each address once.
    pub fn links(&self, user: &CurrentUser) -> Vec<NavLink> {
        let mut links: Vec<NavLink> = Vec::new();
        for source in &self.sources {
            for link in source(user) {
                if !links.iter().any(|l| l.href == link.href) {
                    links.push(link);
                }
            }
        }
        links
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Role;

    fn person(role: Role) -> CurrentUser {
        CurrentUser {
            id: "u".into(),
            email: "u@example.org".into(),
            first_name: "A".into(),
            last_name: "B".into(),
            role,
            organisation_id: None,
            organisation_name: None,
            organisation_kind: None,
            organisation_status: None,
            is_org_admin: false,
            departments: Vec::new(),
        }
    }

    #[test]
    fn links_keep_registration_order_and_each_address_once() {
        let mut reg = Registry::default();
        reg.space(|u| {
            if u.role == Role::Candidate {
                vec![NavLink::new("/profil", "Mon profil")]
            } else {
                Vec::new()
            }
        })
        .space(|_| {
            vec![
                NavLink::new("/panier", "Mon panier"),
                NavLink::new("/profil", "Mon profil"),
            ]
        });
        let hrefs =
            |role| -> Vec<&str> { reg.links(&person(role)).iter().map(|l| l.href).collect() };
        assert_eq!(hrefs(Role::Candidate), ["/profil", "/panier"]);
        assert_eq!(hrefs(Role::Editor), ["/panier", "/profil"]);
    }
}
