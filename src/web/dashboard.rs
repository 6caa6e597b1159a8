//! Each person's home (`/tableau-de-bord`): the tiles and sections the capabilities
//! registered at start (see `crate::startup`), in registration order. This module knows no
//! capability: each one decides which tiles a person sees, with which figures.

use std::future::Future;
use std::pin::Pin;

use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;

use super::{Page, render};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppResult;

/// A link shown on a person's dashboard, with its key figures (often none).
pub struct Tile {
    pub href: &'static str,
    pub title: &'static str,
    pub text: String,
    /// Shown together at the top of the dashboard, each one a link to the tile's page.
    pub figures: Vec<Figure>,
}

/// A key figure: a count and what it counts, « 3 candidatures reçues ».
pub struct Figure {
    pub value: i64,
    /// What is counted, agreeing with the count: « candidature reçue », « candidatures reçues ».
    pub label: String,
    /// Something late or waiting too long: shown in the warning style.
    pub alert: bool,
}

impl Figure {
    /// `n` things, with the singular and plural forms of what they are (French agreement:
    /// 0 and 1 take the singular).
    pub fn count(n: impl super::french::Count, one: &str, many: &str) -> Self {
        let value = n.count();
        Figure {
            value,
            label: super::french::agree(value, one, many).to_owned(),
            alert: false,
        }
    }

    /// The same figure, in the warning style when it is not zero.
    pub fn alert_if_any(mut self) -> Self {
        self.alert = self.value > 0;
        self
    }

    pub fn display(&self) -> String {
        super::french::number(self.value)
    }
}

/// A key figure as the dashboard shows it: with the page it leads to.
struct KeyFigure<'a> {
    href: &'static str,
    figure: &'a Figure,
}

type Pending<T> = Pin<Box<dyn Future<Output = AppResult<T>> + Send>>;
type TileSource = Box<dyn Fn(AppState, CurrentUser) -> Pending<Vec<Tile>> + Send + Sync>;
type SectionSource =
    Box<dyn Fn(AppState, CurrentUser, Uri) -> Pending<Option<String>> + Send + Sync>;

/// The tiles and sections of the dashboard, as the capabilities registered them.
#[derive(Default)]
pub struct Registry {
    tiles: Vec<TileSource>,
    sections: Vec<SectionSource>,
}

impl Registry {
    /// `tiles` gives the tiles a person sees (often none), shown in registration order.
    pub fn tiles<F, Fut>(&mut self, tiles: F) -> &mut Self
    where
        F: Fn(AppState, CurrentUser) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = AppResult<Vec<Tile>>> + Send + 'static,
    {
        self.tiles
            .push(Box::new(move |state, me| Box::pin(tiles(state, me))));
        self
    }

    /// `section` renders a block of HTML under the tiles, or nothing, from the page's
    /// address (its query holds the section's own parameters).
    pub fn section<F, Fut>(&mut self, section: F) -> &mut Self
    where
        F: Fn(AppState, CurrentUser, Uri) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = AppResult<Option<String>>> + Send + 'static,
    {
        self.sections.push(Box::new(move |state, me, uri| {
            Box::pin(section(state, me, uri))
        }));
        self
    }
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard<'a> {
    page: Page,
    me: CurrentUser,
    tiles: &'a [Tile],
    /// The tiles' figures, shown first.
    figures: Vec<KeyFigure<'a>>,
    /// Rendered by their capabilities (the indicators, …).
    sections: Vec<String>,
}

pub async fn page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    uri: Uri,
) -> AppResult<Response> {
    let mut tiles = vec![Tile {
        href: "/compte",
        title: "Mon compte",
        text: "Coordonnées, mot de passe et jetons d’accès à l’API.".into(),
        figures: Vec::new(),
    }];
    let registry = &state.registry.dashboard;
    for source in &registry.tiles {
        tiles.extend(source(state.clone(), me.clone()).await?);
    }
    let mut sections = Vec::new();
    for source in &registry.sections {
        sections.extend(source(state.clone(), me.clone(), uri.clone()).await?);
    }
    let figures = tiles
        .iter()
        .flat_map(|tile| {
            tile.figures.iter().map(|figure| KeyFigure {
                href: tile.href,
                figure,
            })
        })
        .collect();
    render(&Dashboard {
        page: page.titled("Tableau de bord"),
        me,
        figures,
        tiles: &tiles,
        sections,
    })
}
