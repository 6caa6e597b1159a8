//! The list of the router's page routes. Axum cannot list the routes of a `Router`, so each
//! capability registers its pages through [`Pages`], which records every path as it adds it:
//! `api::route_list` joins these paths to the API operations of the OpenAPI document, and the
//! route × role × organisation matrix test walks that list, so that a new route without an
//! expected outcome fails the suite.

use axum::Router;
use axum::routing::MethodRouter;

use crate::AppState;

/// A page router that knows its paths: the same `.route`/`.merge` shape as axum's `Router`.
#[derive(Default)]
pub struct Pages {
    router: Router<AppState>,
    paths: Vec<String>,
}

impl Pages {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn route(mut self, path: &str, method_router: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, method_router);
        self.paths.push(path.to_owned());
        self
    }

    pub fn merge(mut self, other: Pages) -> Self {
        self.router = self.router.merge(other.router);
        self.paths.extend(other.paths);
        self
    }

    /// The page paths, as registered (axum's `{param}` syntax).
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}
