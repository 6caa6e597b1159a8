//! Public pages and feeds of news, agenda and documentation; the editors' pages.

use askama::Template;
use atom_syndication::{Entry, Text};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::markdown;
use super::service::{self, Audience, DocPage, Event, EventKind, News};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::auth::policy::{Action, authorize};
use crate::error::{AppError, AppResult};
use crate::web::extract::{Form, Path, Query};
use crate::web::filters::SearchLinks;
use crate::web::{Page, feed, form, render, see_other};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/actualites", get(news_list))
        .route("/actualites.atom", get(news_feed))
        .route("/actualites/{slug}", get(news_article))
        .route("/agenda", get(agenda))
        .route("/agenda.ics", get(region_ics))
        .route("/agenda/{file}", get(department_ics))
        .route("/documentation", get(doc_index))
        .route("/documentation/{slug}", get(doc_page))
        .route("/redaction", get(editor_home))
        .route(
            "/redaction/actualites",
            get(news_form_new).post(news_create),
        )
        .route(
            "/redaction/actualites/{id}",
            get(news_form_edit).post(news_update),
        )
        .route("/redaction/actualites/{id}/suppression", post(news_delete))
        .route("/redaction/agenda", get(event_form_new).post(event_create))
        .route(
            "/redaction/agenda/{id}",
            get(event_form_edit).post(event_update),
        )
        .route("/redaction/agenda/{id}/suppression", post(event_delete))
        .route("/redaction/pages", get(page_form_new).post(page_create))
        .route(
            "/redaction/pages/{id}",
            get(page_form_edit).post(page_update),
        )
        .route("/ressources-pro", get(pro_index))
        .route("/ressources-pro/{slug}", get(pro_page))
        .merge(super::proposal_routes::pages())
        .merge(super::help::pages())
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_news))
        .routes(routes!(api_events))
        .routes(routes!(api_pages))
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct TerritoryParams {
    /// Department code (22, 29, 35, 56); empty: the whole region.
    #[serde(default)]
    pub territoire: String,
    /// Month of the agenda, `AAAA-MM` (default: this month).
    #[serde(default)]
    pub mois: String,
    /// Words: the events to come that hold them all, whatever the month.
    #[serde(default)]
    pub q: String,
}

fn territory(p: &TerritoryParams, departments: &[String]) -> AppResult<Option<String>> {
    match p.territoire.trim() {
        "" | "region" => Ok(None),
        t if departments.iter().any(|d| d == t) => Ok(Some(t.to_owned())),
        _ => Err(AppError::not_found()),
    }
}

// ---- News ----

#[derive(Template)]
#[template(path = "content/news_list.html")]
struct NewsListPage {
    page: Page,
    news: Vec<News>,
    departments: Vec<String>,
    territory: Option<String>,
    /// The active filter, removable.
    links: SearchLinks,
}

/// The links of a page filtered by territory (`mois`, the month shown, is not a filter).
fn territory_links(path: &str, territory: &Option<String>, month: &str) -> SearchLinks {
    let mut links = SearchLinks::new(
        path,
        [
            ("territoire", territory.as_deref().unwrap_or_default()),
            ("mois", month),
        ],
    )
    .keeping(&["mois"]);
    links.chip(&["territoire"], |_| {
        format!("Territoire : {}", service::territory_label(territory))
    });
    links
}

async fn news_list(
    State(state): State<AppState>,
    page: Page,
    Query(p): Query<TerritoryParams>,
) -> AppResult<Response> {
    let instance = state.config.territory.clone();
    let (departments, territory, news) = state
        .db
        .run(move |conn| {
            let departments = service::department_codes(&instance)?;
            let territory = territory(&p, &departments)?;
            let news = service::news_list(conn, territory.as_deref(), 50)?;
            Ok((departments, territory, news))
        })
        .await?;
    render(&NewsListPage {
        links: territory_links("/actualites", &territory, ""),
        page: page.titled("Actualités"),
        news,
        departments,
        territory,
    })
}

#[derive(Template)]
#[template(path = "content/news_article.html")]
struct NewsArticlePage {
    page: Page,
    news: News,
    html: String,
}

async fn news_article(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let news = state
        .db
        .run(move |conn| service::news_by_slug(conn, &slug))
        .await?;
    let html = markdown::render(&news.body);
    render(&NewsArticlePage {
        page: page
            .titled(news.title.clone())
            .within(&[("Actualités", "/actualites")]),
        news,
        html,
    })
}

async fn news_feed(State(state): State<AppState>) -> AppResult<Response> {
    let news = state
        .db
        .run(|conn| service::news_list(conn, None, 50))
        .await?;
    let base = state.config.base_url();
    let entries: Vec<Entry> = news
        .iter()
        .map(|n| {
            let href = format!("{base}/actualites/{}", n.slug);
            Entry {
                id: href.clone(),
                title: Text::plain(n.title.clone()),
                updated: feed::date(n.updated_at),
                published: Some(feed::date(n.published_at)),
                links: vec![feed::html_link(href)],
                summary: Some(Text::plain(if n.summary.is_empty() {
                    markdown::plain_excerpt(&n.body, 280)
                } else {
                    n.summary.clone()
                })),
                content: Some(atom_syndication::Content {
                    value: Some(markdown::render(&n.body)),
                    content_type: Some("html".into()),
                    ..atom_syndication::Content::default()
                }),
                categories: vec![atom_syndication::Category {
                    term: n.territory.clone().unwrap_or_else(|| "region".into()),
                    label: Some(n.territory_label()),
                    ..atom_syndication::Category::default()
                }],
                ..Entry::default()
            }
        })
        .collect();
    Ok(feed::respond(
        &state.config,
        "/actualites.atom",
        format!("Actualités – Passerelle {}", state.config.region_name),
        "/actualites",
        entries,
    ))
}

// ---- Agenda ----

struct AgendaDay {
    label: String,
    events: Vec<AgendaItem>,
}

/// An event of the agenda as the page shows it: the editors' events and those other
/// capabilities add (see [`super::AgendaSource`]).
struct AgendaItem {
    starts_at: chrono::NaiveDateTime,
    title: String,
    kind_label: String,
    territory_label: String,
    when_fr: String,
    place: String,
    organiser: String,
    /// The description, rendered.
    html: String,
    /// The event's own page (registration), if it has one.
    link: Option<String>,
}

impl AgendaItem {
    fn of_event(e: &Event) -> Self {
        AgendaItem {
            starts_at: e.starts_at,
            title: e.title.clone(),
            kind_label: e.kind_label().to_owned(),
            territory_label: e.territory_label(),
            when_fr: e.when_fr(),
            place: e.place.clone(),
            organiser: e.organiser.clone(),
            html: markdown::render(&e.description),
            link: None,
        }
    }

    fn of_entry(e: &super::AgendaEntry) -> Self {
        let start = crate::web::utc_to_paris(e.starts_at);
        let when_fr = match e.ends_at.map(crate::web::utc_to_paris) {
            Some(end) if end.date() == start.date() => format!(
                "{}, {} – {}",
                crate::web::long_date_fr(&start.date()),
                start.format("%H:%M"),
                end.format("%H:%M")
            ),
            _ => format!(
                "{}, {}",
                crate::web::long_date_fr(&start.date()),
                start.format("%H:%M")
            ),
        };
        AgendaItem {
            starts_at: e.starts_at,
            title: e.title.clone(),
            kind_label: e.kind_label.clone(),
            territory_label: crate::referential::departments::label(&e.department),
            when_fr,
            place: e.place.clone(),
            organiser: e.organiser.clone(),
            html: markdown::render(&e.description),
            link: Some(e.path.clone()),
        }
    }
}

/// The events other capabilities add to the agenda (none when nobody provides them).
fn agenda_entries(
    state: &AppState,
    conn: &mut crate::db::DbConnection,
    territory: Option<&str>,
    from: chrono::NaiveDateTime,
    to: chrono::NaiveDateTime,
) -> AppResult<Vec<super::AgendaEntry>> {
    match state.registry.get::<super::AgendaSource>() {
        Some(source) => (source.0)(conn, territory, from, to),
        None => Ok(Vec::new()),
    }
}

#[derive(Template)]
#[template(path = "content/agenda.html")]
struct AgendaPage {
    page: Page,
    days: Vec<AgendaDay>,
    departments: Vec<String>,
    territory: Option<String>,
    month_label: String,
    previous: String,
    next: String,
    ics: String,
    /// Words searched: the page lists the matching events to come instead of a month.
    words: String,
    /// The active filter, removable.
    links: SearchLinks,
}

impl AgendaPage {
    fn month_link(&self, month: &str) -> String {
        if month.is_empty() {
            return service::agenda_link(self.territory.as_deref(), "");
        }
        match &self.territory {
            Some(t) => format!("/agenda?territoire={t}&mois={month}"),
            None => format!("/agenda?mois={month}"),
        }
    }
}

fn month_start(value: &str) -> AppResult<NaiveDate> {
    match value.trim() {
        "" => {
            let today = crate::web::today_paris();
            Ok(NaiveDate::from_ymd_opt(today.year(), today.month(), 1).expect("valid date"))
        }
        v => NaiveDate::parse_from_str(&format!("{v}-01"), "%Y-%m-%d")
            .map_err(|_| AppError::bad_request("Le mois s’écrit AAAA-MM, par exemple 2026-12.")),
    }
}

fn add_months(first: NaiveDate, months: i32) -> NaiveDate {
    let index = first.year() * 12 + first.month0() as i32 + months;
    NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1)
        .expect("valid date")
}

async fn agenda(
    State(state): State<AppState>,
    page: Page,
    Query(p): Query<TerritoryParams>,
) -> AppResult<Response> {
    let first = month_start(&p.mois)?;
    let month_asked = p.mois.trim().to_owned();
    let next_first = add_months(first, 1);
    let from = crate::web::paris_to_utc(first.and_hms_opt(0, 0, 0).expect("midnight"));
    let to = crate::web::paris_to_utc(next_first.and_hms_opt(0, 0, 0).expect("midnight"));
    let words = p.q.trim().to_owned();
    let asked = words.clone();
    let instance = state.config.territory.clone();
    let source = state.clone();
    let (departments, territory, events, entries) = state
        .db
        .run(move |conn| {
            let departments = service::department_codes(&instance)?;
            let territory = territory(&p, &departments)?;
            let (events, entries) = if asked.is_empty() {
                (
                    service::events_between(conn, territory.as_deref(), from, to)?,
                    agenda_entries(&source, conn, territory.as_deref(), from, to)?,
                )
            } else {
                let now = crate::db::now();
                let entries = agenda_entries(
                    &source,
                    conn,
                    territory.as_deref(),
                    now,
                    now + chrono::Duration::days(400),
                )?;
                (
                    service::upcoming_events(conn, territory.as_deref(), &asked, now)?,
                    service::matching(entries, &asked, |e| {
                        format!(
                            "{} {} {} {} {}",
                            e.title, e.description, e.place, e.organiser, e.kind_label
                        )
                    }),
                )
            };
            Ok((departments, territory, events, entries))
        })
        .await?;
    let mut items: Vec<AgendaItem> = events.iter().map(AgendaItem::of_event).collect();
    items.extend(entries.iter().map(AgendaItem::of_entry));
    items.sort_by_key(|i| i.starts_at);
    let mut days: Vec<AgendaDay> = Vec::new();
    for item in items {
        let label = crate::web::long_date_fr(&crate::web::utc_to_paris(item.starts_at).date());
        match days.last_mut() {
            Some(d) if d.label == label => d.events.push(item),
            _ => days.push(AgendaDay {
                label,
                events: vec![item],
            }),
        }
    }
    let ics = match &territory {
        Some(t) => format!("/agenda/{t}.ics"),
        None => "/agenda.ics".to_owned(),
    };
    let month_label = crate::web::month_fr(first.year(), first.month());
    let title = if words.is_empty() {
        format!("Agenda – {month_label}")
    } else {
        format!("Agenda – « {words} »")
    };
    render(&AgendaPage {
        links: territory_links("/agenda", &territory, &month_asked),
        page: page.titled(title),
        words,
        days,
        departments,
        territory,
        month_label,
        previous: add_months(first, -1).format("%Y-%m").to_string(),
        next: next_first.format("%Y-%m").to_string(),
        ics,
    })
}

/// Events from 30 days ago to a year ahead, as iCalendar.
async fn ics(state: &AppState, territory: Option<String>) -> AppResult<Response> {
    let now = crate::db::now();
    let from = now - chrono::Duration::days(30);
    let to = now + chrono::Duration::days(400);
    let name = match &territory {
        Some(t) => format!(
            "Agenda Passerelle {} – département {t}",
            state.config.region_name
        ),
        None => format!("Agenda Passerelle {}", state.config.region_name),
    };
    let source = state.clone();
    let (events, entries) = state
        .db
        .run(move |conn| {
            Ok((
                service::events_between(conn, territory.as_deref(), from, to)?,
                agenda_entries(&source, conn, territory.as_deref(), from, to)?,
            ))
        })
        .await?;
    let base = state.config.base_url();
    let host = url::Url::parse(&base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "passerelle".to_owned());
    let items: Vec<super::ical::IcsEvent> = events
        .iter()
        .map(|e| super::ical::IcsEvent {
            uid: format!("{}@{host}", e.id),
            summary: e.title.clone(),
            description: if e.description.is_empty() {
                format!("Organisé par {}.", e.organiser)
            } else {
                format!(
                    "{}\n\nOrganisé par {}.",
                    markdown::plain_excerpt(&e.description, 2000),
                    e.organiser
                )
            },
            location: e.place.clone(),
            categories: e.kind_label().to_owned(),
            url: format!("{base}/agenda?mois={}", e.local_start().format("%Y-%m")),
            starts_at: e.starts_at,
            ends_at: Some(e.ends_at),
            updated_at: e.updated_at,
        })
        .chain(entries.iter().map(|e| super::ical::IcsEvent {
            uid: format!("{}@{host}", e.uid),
            summary: e.title.clone(),
            description: if e.description.is_empty() {
                format!(
                    "Organisé par {}.\n\nInscription et détails : {base}{}",
                    e.organiser, e.path
                )
            } else {
                format!(
                    "{}\n\nOrganisé par {}.\n\nInscription et détails : {base}{}",
                    e.description, e.organiser, e.path
                )
            },
            location: e.place.clone(),
            categories: e.kind_label.clone(),
            url: format!("{base}{}", e.path),
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            updated_at: e.updated_at,
        }))
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        super::ical::calendar(&name, &items, now),
    )
        .into_response())
}

async fn region_ics(State(state): State<AppState>) -> AppResult<Response> {
    ics(&state, None).await
}

async fn department_ics(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> AppResult<Response> {
    let code = file
        .strip_suffix(".ics")
        .ok_or_else(AppError::not_found)?
        .to_uppercase();
    let known = service::department_codes(&state.config.territory)?;
    if !known.contains(&code) {
        return Err(AppError::not_found());
    }
    ics(&state, Some(code)).await
}

// ---- Documentation ----

#[derive(Template)]
#[template(path = "content/doc_index.html")]
struct DocIndexPage {
    page: Page,
    pages: Vec<DocPage>,
}

async fn doc_index(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    let pages = state
        .db
        .run(|conn| service::pages_of(conn, Audience::Public))
        .await?;
    render(&DocIndexPage {
        page: page.titled("Documentation"),
        pages,
    })
}

#[derive(Template)]
#[template(path = "content/doc_page.html")]
struct DocPageTemplate {
    page: Page,
    doc: DocPage,
    html: String,
}

async fn doc_page(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let doc = state
        .db
        .run(move |conn| service::page_by_slug(conn, Audience::Public, &slug))
        .await?;
    let html = markdown::render(&doc.body);
    render(&DocPageTemplate {
        page: page
            .titled(doc.title.clone())
            .within(&[("S’informer", "/documentation")]),
        doc,
        html,
    })
}

// ---- Resources reserved to professionals ----

struct Category {
    name: String,
    pages: Vec<DocPage>,
}

#[derive(Template)]
#[template(path = "content/pro_index.html")]
struct ProIndexPage {
    page: Page,
    categories: Vec<Category>,
    editor: bool,
}

async fn pro_index(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    authorize(&me, &Action::ViewProResources)?;
    let pages = state
        .db
        .run(|conn| service::pages_of(conn, Audience::Professionals))
        .await?;
    let mut categories: Vec<Category> = Vec::new();
    for p in pages {
        let name = match p.category.trim() {
            "" => "Autres ressources".to_owned(),
            c => c.to_owned(),
        };
        match categories.iter_mut().find(|c| c.name == name) {
            Some(c) => c.pages.push(p),
            None => categories.push(Category {
                name,
                pages: vec![p],
            }),
        }
    }
    // The pages without a category come last.
    categories.sort_by_key(|c| c.name == "Autres ressources");
    render(&ProIndexPage {
        page: page.titled("Ressources pour les professionnels"),
        categories,
        editor: crate::auth::policy::allows(&me, &Action::PublishContent),
    })
}

async fn pro_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    authorize(&me, &Action::ViewProResources)?;
    let doc = state
        .db
        .run(move |conn| service::page_by_slug(conn, Audience::Professionals, &slug))
        .await?;
    let html = markdown::render(&doc.body);
    render(&DocPageTemplate {
        page: page
            .titled(doc.title.clone())
            .within(&[("Ressources pro", "/ressources-pro")]),
        doc,
        html,
    })
}

// ---- Editors ----

#[derive(Template)]
#[template(path = "content/editor_home.html")]
struct EditorHome {
    page: Page,
    news: Vec<News>,
    events: Vec<Event>,
    pages: Vec<DocPage>,
    /// Partners' proposals waiting for a decision.
    waiting: usize,
    legal_pages: &'static [(&'static str, &'static str)],
}

async fn editor_home(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    authorize(&me, &Action::PublishContent)?;
    let (news, events, pages, waiting) = state
        .db
        .run(|conn| {
            Ok((
                service::news_list(conn, None, 200)?,
                service::all_events(conn)?,
                service::pages_all(conn)?,
                super::proposals::waiting(conn)?.len(),
            ))
        })
        .await?;
    render(&EditorHome {
        page: page.titled("Rédaction"),
        news,
        events,
        pages,
        waiting,
        legal_pages: crate::web::pages::LEGAL_PAGES,
    })
}

#[derive(Default, Deserialize)]
struct NewsForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    territory: String,
}

#[derive(Template)]
#[template(path = "content/news_form.html")]
struct NewsFormPage {
    page: Page,
    id: Option<String>,
    form: NewsForm,
    departments: Vec<String>,
    errors: Vec<String>,
}

async fn news_form_new(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    authorize(&me, &Action::PublishContent)?;
    let departments = service::department_codes(&state.config.territory)?;
    render(&NewsFormPage {
        page: page.titled("Nouvelle actualité"),
        id: None,
        form: NewsForm::default(),
        departments,
        errors: Vec::new(),
    })
}

async fn news_form_edit(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    authorize(&me, &Action::PublishContent)?;
    let instance = state.config.territory.clone();
    let (departments, news) = state
        .db
        .run(move |conn| {
            Ok((
                service::department_codes(&instance)?,
                service::news_by_id(conn, &id)?,
            ))
        })
        .await?;
    render(&NewsFormPage {
        page: page.titled("Modifier une actualité"),
        id: Some(news.id.clone()),
        form: NewsForm {
            title: news.title,
            summary: news.summary,
            body: news.body,
            territory: news.territory.unwrap_or_default(),
        },
        departments,
        errors: Vec::new(),
    })
}

async fn save_news(
    state: AppState,
    page: Page,
    me: CurrentUser,
    id: Option<String>,
    form: NewsForm,
) -> AppResult<Response> {
    authorize(&me, &Action::PublishContent)?;
    let departments = service::department_codes(&state.config.territory)?;
    match service::parse_news(
        &form.title,
        &form.summary,
        &form.body,
        &form.territory,
        &departments,
    ) {
        Ok(input) => {
            let slug = state
                .db
                .tx(move |conn| service::save_news(conn, &me, id.as_deref(), &input))
                .await?;
            Ok(see_other(&format!("/actualites/{slug}")))
        }
        Err(errors) => Ok(form::rerender(render(&NewsFormPage {
            page: page.titled("Actualité"),
            id,
            form,
            departments,
            errors,
        })?)),
    }
}

async fn news_create(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Form(form): Form<NewsForm>,
) -> AppResult<Response> {
    save_news(state, page, me, None, form).await
}

async fn news_update(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<NewsForm>,
) -> AppResult<Response> {
    save_news(state, page, me, Some(id), form).await
}

async fn news_delete(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    authorize(&me, &Action::PublishContent)?;
    state
        .db
        .tx(move |conn| service::delete_news(conn, &id))
        .await?;
    Ok(see_other("/redaction"))
}

#[derive(Default, Deserialize)]
struct EventForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    organiser: String,
    #[serde(default)]
    territory: String,
}

#[derive(Template)]
#[template(path = "content/event_form.html")]
struct EventFormPage {
    page: Page,
    id: Option<String>,
    form: EventForm,
    departments: Vec<String>,
    kinds: &'static [EventKind],
    errors: Vec<String>,
}

async fn event_form_new(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    authorize(&me, &Action::PublishContent)?;
    let departments = service::department_codes(&state.config.territory)?;
    render(&EventFormPage {
        page: page.titled("Nouveau rendez-vous"),
        id: None,
        form: EventForm::default(),
        departments,
        kinds: EventKind::ALL,
        errors: Vec::new(),
    })
}

async fn event_form_edit(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    authorize(&me, &Action::PublishContent)?;
    let instance = state.config.territory.clone();
    let (departments, e) = state
        .db
        .run(move |conn| {
            Ok((
                service::department_codes(&instance)?,
                service::event_by_id(conn, &id)?,
            ))
        })
        .await?;
    let start = e.local_start();
    let end = e.local_end();
    render(&EventFormPage {
        page: page.titled("Modifier un rendez-vous"),
        id: Some(e.id.clone()),
        form: EventForm {
            kind: e.kind,
            title: e.title,
            description: e.description,
            date: start.format("%d/%m/%Y").to_string(),
            start: start.format("%H:%M").to_string(),
            end: end.format("%H:%M").to_string(),
            place: e.place,
            organiser: e.organiser,
            territory: e.territory.unwrap_or_default(),
        },
        departments,
        kinds: EventKind::ALL,
        errors: Vec::new(),
    })
}

async fn save_event(
    state: AppState,
    page: Page,
    me: CurrentUser,
    id: Option<String>,
    form: EventForm,
) -> AppResult<Response> {
    authorize(&me, &Action::PublishContent)?;
    let departments = service::department_codes(&state.config.territory)?;
    let parsed = service::parse_event(
        &service::EventFields {
            kind: &form.kind,
            title: &form.title,
            description: &form.description,
            date: &form.date,
            start: &form.start,
            end: &form.end,
            place: &form.place,
            organiser: &form.organiser,
            territory: &form.territory,
        },
        &departments,
    );
    match parsed {
        Ok(input) => {
            let month = crate::web::utc_to_paris(input.starts_at)
                .format("%Y-%m")
                .to_string();
            state
                .db
                .tx(move |conn| service::save_event(conn, &me, id.as_deref(), &input))
                .await?;
            Ok(see_other(&format!("/agenda?mois={month}")))
        }
        Err(errors) => Ok(form::rerender(render(&EventFormPage {
            page: page.titled("Rendez-vous"),
            id,
            form,
            departments,
            kinds: EventKind::ALL,
            errors,
        })?)),
    }
}

async fn event_create(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Form(form): Form<EventForm>,
) -> AppResult<Response> {
    save_event(state, page, me, None, form).await
}

async fn event_update(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<EventForm>,
) -> AppResult<Response> {
    save_event(state, page, me, Some(id), form).await
}

async fn event_delete(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    authorize(&me, &Action::PublishContent)?;
    state
        .db
        .tx(move |conn| service::delete_event(conn, &id))
        .await?;
    Ok(see_other("/redaction"))
}

#[derive(Default, Deserialize)]
struct PageForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    audience: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    category: String,
}

#[derive(Template)]
#[template(path = "content/page_form.html")]
struct PageFormPage {
    page: Page,
    id: Option<String>,
    form: PageForm,
    audiences: &'static [Audience],
    errors: Vec<String>,
}

#[derive(Default, Deserialize)]
struct NewPageParams {
    /// `pro`: the form starts as a resource reserved to professionals.
    #[serde(default)]
    ressource: String,
}

async fn page_form_new(
    page: Page,
    me: CurrentUser,
    Query(p): Query<NewPageParams>,
) -> AppResult<Response> {
    authorize(&me, &Action::PublishContent)?;
    let audience = if p.ressource.trim() == "pro" {
        Audience::Professionals
    } else {
        Audience::Public
    };
    render(&PageFormPage {
        page: page.titled(match audience {
            Audience::Public => "Nouvelle page de documentation",
            Audience::Professionals => "Nouvelle ressource pour les professionnels",
        }),
        id: None,
        form: PageForm {
            audience: audience.as_str().to_owned(),
            ..PageForm::default()
        },
        audiences: Audience::ALL,
        errors: Vec::new(),
    })
}

async fn page_form_edit(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    authorize(&me, &Action::PublishContent)?;
    let doc = state
        .db
        .run(move |conn| service::page_by_id(conn, &id))
        .await?;
    render(&PageFormPage {
        page: page.titled("Modifier une page de documentation"),
        id: Some(doc.id),
        form: PageForm {
            slug: doc.slug,
            title: doc.title,
            body: doc.body,
            audience: doc.audience,
            summary: doc.summary,
            category: doc.category,
        },
        audiences: Audience::ALL,
        errors: Vec::new(),
    })
}

async fn save_page(
    state: AppState,
    page: Page,
    me: CurrentUser,
    id: Option<String>,
    form: PageForm,
) -> AppResult<Response> {
    authorize(&me, &Action::PublishContent)?;
    let parsed = service::parse_page(&service::PageFields {
        slug: &form.slug,
        title: &form.title,
        body: &form.body,
        audience: &form.audience,
        summary: &form.summary,
        category: &form.category,
    });
    let result = match parsed {
        Ok(input) => {
            let key = id.clone();
            state
                .db
                .tx(move |conn| service::save_page(conn, &me, key.as_deref(), &input))
                .await
                .map_err(|e| {
                    if e.status() == StatusCode::UNPROCESSABLE_ENTITY {
                        Ok(vec![e.message().to_owned()])
                    } else {
                        Err(e)
                    }
                })
        }
        Err(errors) => Err(Ok(errors)),
    };
    match result {
        Ok(path) => Ok(see_other(&path)),
        Err(Err(e)) => Err(e),
        Err(Ok(errors)) => Ok(form::rerender(render(&PageFormPage {
            page: page.titled("Page de documentation"),
            id,
            form,
            audiences: Audience::ALL,
            errors,
        })?)),
    }
}

async fn page_create(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Form(form): Form<PageForm>,
) -> AppResult<Response> {
    save_page(state, page, me, None, form).await
}

async fn page_update(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<PageForm>,
) -> AppResult<Response> {
    save_page(state, page, me, Some(id), form).await
}

// ---- API ----

/// Latest news, of a department (with the region-wide ones) or all (public). Bodies are
/// Markdown.
#[utoipa::path(get, path = "/content/news", operation_id = "list_news", tag = "content", params(TerritoryParams),
    responses((status = 200, body = Vec<News>), (status = 404, body = crate::error::ErrorBody)))]
async fn api_news(
    State(state): State<AppState>,
    Query(p): Query<TerritoryParams>,
) -> AppResult<axum::Json<Vec<News>>> {
    let instance = state.config.territory.clone();
    let news = state
        .db
        .run(move |conn| {
            let departments = service::department_codes(&instance)?;
            let territory = territory(&p, &departments)?;
            service::news_list(conn, territory.as_deref(), 100)
        })
        .await?;
    Ok(axum::Json(news))
}

/// Agenda events of a month (`mois=AAAA-MM`, default this month), of a department (with the
/// region-wide ones) or all (public). Times are UTC.
#[utoipa::path(get, path = "/content/events", operation_id = "list_events", tag = "content", params(TerritoryParams),
    responses((status = 200, body = Vec<Event>), (status = 404, body = crate::error::ErrorBody)))]
async fn api_events(
    State(state): State<AppState>,
    Query(p): Query<TerritoryParams>,
) -> AppResult<axum::Json<Vec<Event>>> {
    let first = month_start(&p.mois)?;
    let from = crate::web::paris_to_utc(first.and_hms_opt(0, 0, 0).expect("midnight"));
    let to = crate::web::paris_to_utc(add_months(first, 1).and_hms_opt(0, 0, 0).expect("midnight"));
    let instance = state.config.territory.clone();
    let events = state
        .db
        .run(move |conn| {
            let departments = service::department_codes(&instance)?;
            let territory = territory(&p, &departments)?;
            service::events_between(conn, territory.as_deref(), from, to)
        })
        .await?;
    Ok(axum::Json(events))
}

/// Documentation pages (public). Bodies are Markdown.
#[utoipa::path(get, path = "/content/pages", operation_id = "list_doc_pages", tag = "content",
    responses((status = 200, body = Vec<DocPage>)))]
async fn api_pages(State(state): State<AppState>) -> AppResult<axum::Json<Vec<DocPage>>> {
    Ok(axum::Json(
        state
            .db
            .run(|conn| service::pages_of(conn, Audience::Public))
            .await?,
    ))
}

/// Dashboard tiles: the editors' desk, the partners' proposals to review.
pub async fn tiles(
    state: AppState,
    me: crate::auth::CurrentUser,
) -> crate::error::AppResult<Vec<crate::web::dashboard::Tile>> {
    use crate::auth::policy::{Action, allows};
    use crate::web::dashboard::{Figure, Tile};
    let mut tiles = Vec::new();
    if allows(&me, &Action::PublishContent) {
        tiles.push(Tile {
            href: "/redaction",
            title: "Rédaction",
            text: "Actualités, agenda et pages de documentation.".into(),
            figures: Vec::new(),
        });
    }
    if allows(&me, &Action::ReviewProposals) {
        let waiting = state.db.run(super::proposals::waiting).await?.len();
        tiles.push(Tile {
            href: "/redaction/propositions",
            title: "Propositions des partenaires",
            text:
                "Actualités et événements proposés par les organismes de formation et les chambres."
                    .into(),
            figures: vec![Figure::count(
                waiting,
                "proposition à relire",
                "propositions à relire",
            )],
        });
    }
    Ok(tiles)
}

/// « Mon espace »: the editors' desk.
pub fn space(me: &crate::auth::CurrentUser) -> Vec<crate::web::nav::NavLink> {
    use crate::auth::policy::{Action, allows};
    use crate::web::nav::NavLink;
    let mut links = Vec::new();
    if allows(me, &Action::ProposeContent) {
        links.push(NavLink::new("/mes-propositions", "Mes propositions"));
    }
    if allows(me, &Action::PublishContent) {
        links.push(NavLink::new("/redaction", "Rédaction"));
    }
    if allows(me, &Action::ViewProResources) {
        links.push(NavLink::new("/ressources-pro", "Ressources pro"));
    }
    links
}
