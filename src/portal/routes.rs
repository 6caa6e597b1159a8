//! Pages of the portal: the home page and the search over every kind. Both are public and
//! read only public rows (published offers, the catalogue's sessions, active discovery
//! actions, the agenda and news), so no policy decision is involved.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::service::{self, Answer, Figures, Items, Kind, Place};
use crate::AppState;
use crate::auth::MaybeUser;
use crate::content::service::{Event, News};
use crate::error::AppResult;
use crate::referential::store::{Commune, Department, Rome};
use crate::web::{Page, form, render};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/", get(home))
        .route("/recherche", get(search))
}

/// The documentation page written for parents, linked from their entry when it exists.
const PARENTS_PAGE: &str = "page-pour-les-parents";

/// The fields of an address's query, the last value of a repeated one winning and unknown
/// ones ignored: a hand-edited address never answers 400.
fn fields(query: Option<&str>, names: &[&str]) -> Vec<String> {
    let mut values = vec![String::new(); names.len()];
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if let Some(i) = names.iter().position(|n| *n == k) {
            values[i] = v.trim().to_owned();
        }
    }
    values
}

// ---- Home ----

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    page: Page,
    figures: Figures,
    /// The region's departments, for the territory choice.
    departments: Vec<Department>,
    /// The visitor's department (none: the whole region).
    territory: Option<Department>,
    events: Vec<Event>,
    news: Vec<News>,
    /// Where the parents' entry leads.
    parents_page: String,
}

impl Home {
    /// A count as people read it: « 1 234 » (narrow no-break space).
    fn number(&self, n: &usize) -> String {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push('\u{202f}');
            }
            out.push(c);
        }
        out
    }

    fn territory_name(&self) -> String {
        self.territory
            .as_ref()
            .map_or_else(|| self.page.region_name.clone(), |d| d.name.clone())
    }
}

/// How many upcoming events and news the home page shows.
const HOME_ITEMS: usize = 3;

async fn home(
    State(state): State<AppState>,
    page: Page,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let [asked] =
        <[String; 1]>::try_from(fields(query.as_deref(), &["territoire"])).unwrap_or_default();
    let mine = page
        .user()
        .map(|u| u.departments.clone())
        .unwrap_or_default();
    let instance = state.config.territory.clone();
    let offers = state.search.len();
    let (figures, departments, territory, events, news, parents) = state
        .db
        .run(move |conn| {
            let figures = service::figures(conn, offers)?;
            let departments: Vec<Department> =
                crate::referential::departments::of_territory(&instance);
            // The department chosen, or else the one of the visitor's organisation.
            let territory = departments
                .iter()
                .find(|d| d.code == asked)
                .or_else(|| {
                    (asked.is_empty())
                        .then(|| departments.iter().find(|d| mine.contains(&d.code)))
                        .flatten()
                })
                .cloned();
            let code = territory.as_ref().map(|d| d.code.clone());
            let events = crate::content::service::upcoming_events(
                conn,
                code.as_deref(),
                "",
                crate::db::now(),
            )?
            .into_iter()
            .take(HOME_ITEMS)
            .collect();
            let news = crate::content::service::news_list(
                conn,
                code.as_deref(),
                i64::try_from(HOME_ITEMS).unwrap_or(3),
            )?;
            let parents = crate::content::service::page_by_slug(
                conn,
                crate::content::service::Audience::Public,
                PARENTS_PAGE,
            )
            .is_ok();
            Ok((figures, departments, territory, events, news, parents))
        })
        .await?;
    let title = format!("Passerelle {}", page.region_name);
    render(&Home {
        page: page.titled(title),
        figures,
        departments,
        territory,
        events,
        news,
        parents_page: if parents {
            format!("/documentation/{PARENTS_PAGE}")
        } else {
            "/documentation".to_owned()
        },
    })
}

// ---- One search for everything ----

/// A tab of the search page: a kind and its count.
struct Tab {
    kind: Kind,
    total: usize,
    href: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "portal/search.html")]
struct SearchPage {
    page: Page,
    q: String,
    lieu: String,
    /// The place searched, as people read it ("Rennes (35000)").
    place: Option<String>,
    /// The occupation the words named (a ROME code of the autocompletion).
    occupation: Option<Rome>,
    /// What is wrong with the place (French).
    problem: Option<String>,
    /// Communes to choose from when the place is ambiguous: label and search link.
    choices: Vec<(String, String)>,
    tabs: Vec<Tab>,
    /// The kind shown, with its first results.
    active: Option<Answer>,
}

impl SearchPage {
    fn address(q: &str, lieu: &str, kind: Option<Kind>) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        if !q.is_empty() {
            out.append_pair("q", q);
        }
        if !lieu.is_empty() {
            out.append_pair("lieu", lieu);
        }
        if let Some(k) = kind {
            out.append_pair("type", k.as_str());
        }
        format!("/recherche?{}", out.finish())
    }

    /// "3 offres d’alternance", "1 formation financée"…
    fn count_label(&self, kind: &Kind, n: &usize) -> String {
        let (kind, n) = (*kind, *n);
        let (one, many) = match kind {
            Kind::Offers => ("offre d’alternance", "offres d’alternance"),
            Kind::Trainings => (
                "session de formation financée",
                "sessions de formation financées",
            ),
            Kind::Discovery => ("action de découverte", "actions de découverte"),
            Kind::Agenda => ("rendez-vous à venir", "rendez-vous à venir"),
        };
        match n {
            0 => format!("Aucune {one}").replace("Aucune rendez-vous", "Aucun rendez-vous"),
            1 => format!("1 {one}"),
            n => format!("{n} {many}"),
        }
    }

    fn more_label(&self, kind: &Kind, n: &usize) -> String {
        let (kind, n) = (*kind, *n);
        let page = match kind {
            Kind::Offers => "la recherche d’offres",
            Kind::Trainings => "la recherche de formations",
            Kind::Discovery => "Cap sur les métiers",
            Kind::Agenda => "l’agenda",
        };
        match n {
            0 => format!("Chercher autrement dans {page}"),
            1 => format!("Voir le résultat dans {page}"),
            n => format!("Voir les {n} résultats dans {page}"),
        }
    }
}

async fn search(
    State(state): State<AppState>,
    page: Page,
    MaybeUser(user): MaybeUser,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let [q, lieu, kind] = <[String; 3]>::try_from(fields(query.as_deref(), &["q", "lieu", "type"]))
        .unwrap_or_default();
    let asked_kind = Kind::parse(&kind);
    let (words, place_text) = (q.clone(), lieu.clone());
    let (place, occupation) = state
        .db
        .run(move |conn| {
            let place = service::resolve_place(conn, &place_text)?;
            Ok((place, service::occupation(conn, &words)?))
        })
        .await?;
    let mut view = SearchPage {
        page,
        q: q.clone(),
        lieu: lieu.clone(),
        place: None,
        occupation: None,
        problem: None,
        choices: Vec::new(),
        tabs: Vec::new(),
        active: None,
    };
    let commune = match place {
        Place::Anywhere => None,
        Place::At(c) => Some(c),
        Place::Unknown => {
            view.problem = Some(format!(
                "Nous ne trouvons pas la commune « {lieu} » : vérifiez l’orthographe ou saisissez son code postal, par exemple « Rennes » ou « 35000 »."
            ));
            None
        }
        Place::Several(communes) => {
            view.problem = Some(format!(
                "Plusieurs communes répondent à « {lieu} » : choisissez la vôtre."
            ));
            view.choices = communes
                .iter()
                .take(12)
                .map(|c| {
                    let href = SearchPage::address(&q, &c.label(), asked_kind);
                    (c.label_with_department(), href)
                })
                .collect();
            None
        }
    };
    if view.problem.is_some() {
        let errors = vec![view.problem.clone().unwrap_or_default()];
        view.page = view.page.titled("Recherche : précisez le lieu");
        return Ok((form::status(&errors), render(&view)?).into_response());
    }
    view.place = commune.as_ref().map(Commune::label);
    let found =
        service::search_all(&state, user.as_ref(), &q, commune.as_ref(), occupation).await?;
    view.occupation = found.occupation;
    let active = asked_kind
        .or_else(|| found.answers.iter().find(|a| a.total > 0).map(|a| a.kind))
        .unwrap_or(Kind::Offers);
    let lieu_shown = view.place.clone().unwrap_or_default();
    view.tabs = found
        .answers
        .iter()
        .map(|a| Tab {
            kind: a.kind,
            total: a.total,
            href: SearchPage::address(&q, &lieu_shown, Some(a.kind)),
            current: a.kind == active,
        })
        .collect();
    view.active = found.answers.into_iter().find(|a| a.kind == active);
    let what = match (&view.occupation, q.is_empty()) {
        (Some(r), _) => format!("« {} »", r.label),
        (None, false) => format!("« {q} »"),
        (None, true) => "Tout".to_owned(),
    };
    let title = match &view.place {
        Some(p) => format!(
            "{what} autour {} – Recherche",
            crate::web::french::de_place(p)
        ),
        None => format!("{what} – Recherche"),
    };
    view.page = view.page.titled(title);
    let errors = view
        .active
        .as_ref()
        .map(|a| a.errors.clone())
        .unwrap_or_default();
    Ok((form::status(&errors), render(&view)?).into_response())
}
