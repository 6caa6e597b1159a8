//! Answers shared by the JSON API's handlers of every capability.

use serde::Serialize;
use utoipa::ToSchema;

/// The answer to a creation: the new resource's id.
#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: String,
}

/// The answer to a state change: the resulting status.
#[derive(Serialize, ToSchema)]
pub struct StatusAnswer {
    pub status: String,
}
