//! Every page a person may open is reached from `/` by following links, as a visitor and in
//! each of the 13 roles: the crawl starts at the home page, follows the links of each page
//! (same site, GET), and fails on any 4xx/5xx answer and on any page of the route table
//! (`matrix::pages_for`) it never reached. A new page nobody links to fails here.
//!
//! SQLite only: which links a page shows does not depend on the backend.

use std::collections::{BTreeSet, HashMap, VecDeque};

use passerelle::types::Role;

use crate::helpers::{Backend, Client, TestApp};

/// Pages reached by a link in a mail or after a form, never from a page: a token link, a
/// confirmation, files (their own tests download them).
const NOT_LINKED: &[&str] = &[
    "/invitation",
    "/mot-de-passe/nouveau",
    "/verification",
    "/question/merci",
    "/healthz",
    "/theme.css",
];

/// Pages a role may open but has no use for, so that no page links them for it: the partner's
/// view of the information line, for officers who work the whole line from `/cap-info`.
const NO_USE: &[(&str, &str)] = &[
    ("info_officer", "/cap-info/partenaire"),
    ("regional_admin", "/cap-info/partenaire"),
];

/// Pages that are files rather than pages (feeds, exports): reached by links, not crawled.
fn is_file(path: &str) -> bool {
    [
        ".csv", ".ics", ".atom", ".xml", ".xlsx", ".json", ".pdf", ".css",
    ]
    .iter()
    .any(|ext| path.ends_with(ext))
        || path.starts_with("/flux/")
        || path.starts_with("/static/")
        || path == "/logo"
}

/// The links of a page, and the addresses of its GET forms (a search box is a way in):
/// same-site paths, without fragment.
fn links(html: &str) -> Vec<String> {
    let get_forms = html.split("<form").skip(1).filter_map(|form| {
        let tag = form.split('>').next()?;
        if tag.contains("method=\"post\"") {
            return None;
        }
        tag.split("action=\"").nth(1)?.split('"').next()
    });
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .chain(get_forms)
        .map(|href| href.replace("&amp;", "&"))
        .filter(|href| href.starts_with('/') && !href.starts_with("//"))
        .map(|href| href.split('#').next().unwrap_or_default().to_owned())
        .filter(|href| !href.is_empty())
        .collect()
}

/// The shape of a path: segments holding an id or a slug's digits become `{}`, so that three
/// offers stand for all of them.
pub fn shape(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            let digits = segment.chars().filter(char::is_ascii_digit).count();
            if segment.len() >= 16 || digits >= 2 {
                "{}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// What a crawl found.
pub struct Crawl {
    /// The paths linked from the pages reached (opened or not).
    pub reached: BTreeSet<String>,
    /// The addresses opened that answered a page (2xx, not a file), in the order opened.
    pub pages: Vec<String>,
    /// Addresses that answered 4xx or 5xx, with the page that linked them.
    pub failures: Vec<String>,
}

/// Follows links from `/` (at most `limit` pages opened; at most three addresses of one shape,
/// query included).
pub async fn crawl(client: &mut Client<'_>, limit: usize) -> Crawl {
    let mut pages = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut reached: BTreeSet<String> = BTreeSet::new();
    let mut variants: HashMap<String, usize> = HashMap::new();
    let mut queue: VecDeque<(String, String)> = VecDeque::from([("/".to_owned(), String::new())]);
    let mut failures = Vec::new();
    let mut visited = 0;
    while let Some((url, from)) = queue.pop_front() {
        if visited >= limit {
            break;
        }
        visited += 1;
        let path = url.split('?').next().unwrap_or_default().to_owned();
        reached.insert(path.clone());
        if is_file(&path) {
            continue;
        }
        let r = client.get(&url).await;
        let status = r.status;
        if status.is_client_error() || status.is_server_error() {
            failures.push(format!("{url} (linked from {from}): {status}"));
            continue;
        }
        let html = if status.is_redirection() {
            let to = r.location();
            if !to.starts_with("/connexion") {
                queue.push_back((to, url.clone()));
            }
            continue;
        } else {
            pages.push(url.clone());
            r.text.clone()
        };
        for link in links(&html) {
            let link_path = link.split('?').next().unwrap_or_default().to_owned();
            // Linked from a page reached: reachable, whether or not the crawl opens it.
            reached.insert(link_path.clone());
            if seen.contains(&link) {
                continue;
            }
            let n = variants.entry(shape(&link_path)).or_default();
            if *n >= 3 {
                continue;
            }
            *n += 1;
            seen.insert(link.clone());
            queue.push_back((link, url.clone()));
        }
    }
    Crawl {
        reached,
        pages,
        failures,
    }
}

#[tokio::test]
async fn every_page_is_reached_from_home_by_each_role() {
    let app = TestApp::new(Backend::Sqlite).await.with_demo().await;
    let mut people: Vec<(Option<Role>, Client<'_>)> = vec![(None, app.client())];
    for role in Role::ALL {
        people.push((
            Some(*role),
            app.login_as(&passerelle::types::demo_email(*role)).await,
        ));
    }
    let mut problems = Vec::new();
    let mut total = 0;
    for (role, client) in people.iter_mut() {
        let who = role.map_or("visiteur".to_owned(), |r| r.as_str().to_owned());
        let Crawl {
            reached, failures, ..
        } = crawl(client, 600).await;
        total += reached.len();
        problems.extend(failures.into_iter().map(|f| format!("{who}: {f}")));
        for page in crate::matrix::pages_for(*role) {
            let signed_out_only = role.is_some()
                && (page.starts_with("/inscription")
                    || page == "/connexion"
                    || page == "/mot-de-passe-oublie"
                    || page == "/verification/renvoyer");
            if NOT_LINKED.contains(&page)
                || signed_out_only
                || NO_USE.contains(&(who.as_str(), page))
            {
                continue;
            }
            if !reached.contains(page) {
                problems.push(format!("{who}: {page} is never linked"));
            }
        }
    }
    assert!(total > 0);
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
