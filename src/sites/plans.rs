//! A site's yearly action plan: objectives (with an optional target figure), actions (title,
//! period, audience, partner, status) and results (the figure achieved and a comment per
//! objective). The site's coordinators write it and submit it; the regional team reviews it
//! (« validé », or « à revoir » with a reason) and the coordinators are told by mail. Another
//! host's coordinators never see it (404).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Deserialize;

use super::model::{PlanActionStatus, PlanStatus};
use super::service::{SiteCard, get};
use crate::auth::CurrentUser;
use crate::auth::policy::{Action, allows, authorize};
use crate::db::{DbConnection, new_id, now, schema::*};
use crate::error::{AppError, AppResult};
use crate::types::{Role, UserStatus};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = site_plans)]
pub struct Plan {
    pub id: String,
    pub site_id: String,
    pub year: i32,
    pub status: String,
    pub review_comment: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub reviewed_at: Option<NaiveDateTime>,
}

impl Plan {
    pub fn status_label(&self) -> &'static str {
        PlanStatus::parse(&self.status).map_or("", PlanStatus::label)
    }
    /// Objectives and actions may be added: a draft, or a plan sent back.
    pub fn open(&self) -> bool {
        matches!(
            PlanStatus::parse(&self.status),
            Some(PlanStatus::Draft | PlanStatus::ToRevise)
        )
    }
    pub fn submitted(&self) -> bool {
        self.status == PlanStatus::Submitted.as_str()
    }
    pub fn to_revise(&self) -> bool {
        self.status == PlanStatus::ToRevise.as_str()
    }
    pub fn reviewed_fr(&self) -> String {
        self.reviewed_at
            .map(|t| crate::clock::utc_to_paris(t).format("%d/%m/%Y").to_string())
            .unwrap_or_default()
    }
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = site_plan_objectives)]
pub struct Objective {
    pub id: String,
    pub text: String,
    pub target: Option<i32>,
    pub achieved: Option<i32>,
    pub comment: String,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = site_plan_actions)]
pub struct PlanAction {
    pub id: String,
    pub title: String,
    pub period: String,
    pub audience: String,
    pub partner: String,
    pub status: String,
}

impl PlanAction {
    pub fn status_label(&self) -> &'static str {
        PlanActionStatus::parse(&self.status).map_or("", PlanActionStatus::label)
    }
}

/// A site's plan for a year as its page shows it, with the visits the site counted that
/// year beside the objectives.
pub struct PlanView {
    pub card: SiteCard,
    pub year: i32,
    pub plan: Option<Plan>,
    pub objectives: Vec<Objective>,
    pub actions: Vec<PlanAction>,
    /// Visits logged that year, and the people they counted.
    pub visits: (i64, i64),
    pub write: bool,
    pub review: bool,
}

/// The site if the person may read its plan; 404 otherwise (ids teach nothing).
fn readable(conn: &mut DbConnection, user: &CurrentUser, site_id: &str) -> AppResult<SiteCard> {
    let card = get(conn, site_id)?;
    if allows(
        user,
        &Action::ViewSitePlan {
            host_id: &card.site.host_id,
        },
    ) {
        Ok(card)
    } else {
        Err(AppError::not_found())
    }
}

/// The site if the person may write its plan: 404 to those who may not read it, 403 to
/// those who read it only (the regional team).
fn writable(conn: &mut DbConnection, user: &CurrentUser, site_id: &str) -> AppResult<SiteCard> {
    let card = readable(conn, user, site_id)?;
    authorize(
        user,
        &Action::WriteSitePlan {
            host_id: &card.site.host_id,
        },
    )?;
    Ok(card)
}

fn find(conn: &mut DbConnection, site_id: &str, year: i32) -> AppResult<Option<Plan>> {
    Ok(site_plans::table
        .filter(site_plans::site_id.eq(site_id))
        .filter(site_plans::year.eq(year))
        .select(Plan::as_select())
        .first(conn)
        .optional()?)
}

/// The plan of the year, a draft created on the first write.
fn ensure(conn: &mut DbConnection, site_id: &str, year: i32) -> AppResult<Plan> {
    if let Some(plan) = find(conn, site_id, year)? {
        return Ok(plan);
    }
    diesel::insert_into(site_plans::table)
        .values((
            site_plans::id.eq(new_id()),
            site_plans::site_id.eq(site_id),
            site_plans::year.eq(year),
            site_plans::status.eq(PlanStatus::Draft.as_str()),
            site_plans::review_comment.eq(""),
            site_plans::created_at.eq(now()),
            site_plans::updated_at.eq(now()),
        ))
        .execute(conn)?;
    find(conn, site_id, year)?.ok_or_else(AppError::not_found)
}

fn touch(conn: &mut DbConnection, plan_id: &str) -> AppResult<()> {
    diesel::update(site_plans::table.find(plan_id))
        .set(site_plans::updated_at.eq(now()))
        .execute(conn)?;
    Ok(())
}

pub fn view(
    conn: &mut DbConnection,
    user: &CurrentUser,
    site_id: &str,
    year: i32,
) -> AppResult<PlanView> {
    let card = readable(conn, user, site_id)?;
    let plan = find(conn, site_id, year)?;
    let (objectives, actions) = match &plan {
        Some(p) => (
            site_plan_objectives::table
                .filter(site_plan_objectives::plan_id.eq(&p.id))
                .order((site_plan_objectives::created_at, site_plan_objectives::id))
                .select(Objective::as_select())
                .load(conn)?,
            site_plan_actions::table
                .filter(site_plan_actions::plan_id.eq(&p.id))
                .order((site_plan_actions::created_at, site_plan_actions::id))
                .select(PlanAction::as_select())
                .load(conn)?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let from = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(AppError::not_found)?;
    let to = NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(AppError::not_found)?;
    let (visits, people): (i64, Option<i64>) = site_visits::table
        .filter(site_visits::site_id.eq(site_id))
        .filter(site_visits::visited_on.between(from, to))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::sum(site_visits::group_size),
        ))
        .first(conn)?;
    let write = allows(
        user,
        &Action::WriteSitePlan {
            host_id: &card.site.host_id,
        },
    );
    Ok(PlanView {
        card,
        year,
        plan,
        objectives,
        actions,
        visits: (visits, people.unwrap_or(0)),
        write,
        review: allows(user, &Action::ReviewSitePlans),
    })
}

const NO_PLAN: &str = "Le plan de cette année n’est pas encore commencé.";

const CLOSED: &str =
    "Le plan est transmis à la Région ou validé : ses objectifs et actions ne changent plus.";

fn figure(value: &str, label: &str, errors: &mut Vec<String>) -> Option<i32> {
    match value.trim() {
        "" => None,
        v => match v.replace([' ', '\u{202f}', '\u{a0}'], "").parse::<i32>() {
            Ok(n) if (0..=1_000_000).contains(&n) => Some(n),
            _ => {
                errors.push(format!("{label} est un nombre entier positif."));
                None
            }
        },
    }
}

fn text(value: &str, label: &str, max: usize, required: bool, errors: &mut Vec<String>) {
    let v = value.trim();
    if required && v.is_empty() {
        errors.push(format!("Indiquez {label}."));
    } else if v.chars().count() > max {
        errors.push(format!("Pour {label}, {max} caractères au plus."));
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ObjectiveInput {
    #[serde(default)]
    pub annee: String,
    #[serde(default)]
    pub text: String,
    /// A figure aimed at, optional.
    #[serde(default)]
    pub target: String,
}

pub fn add_objective(
    conn: &mut DbConnection,
    user: &CurrentUser,
    site_id: &str,
    year: i32,
    input: &ObjectiveInput,
) -> AppResult<Result<(), Vec<String>>> {
    writable(conn, user, site_id)?;
    let mut errors = Vec::new();
    text(&input.text, "l’objectif", 1000, true, &mut errors);
    let target = figure(&input.target, "La cible", &mut errors);
    let plan = ensure(conn, site_id, year)?;
    if !plan.open() {
        errors.push(CLOSED.to_owned());
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    diesel::insert_into(site_plan_objectives::table)
        .values((
            site_plan_objectives::id.eq(new_id()),
            site_plan_objectives::plan_id.eq(&plan.id),
            site_plan_objectives::text.eq(input.text.trim()),
            site_plan_objectives::target.eq(target),
            site_plan_objectives::achieved.eq(None::<i32>),
            site_plan_objectives::comment.eq(""),
            site_plan_objectives::created_at.eq(now()),
        ))
        .execute(conn)?;
    touch(conn, &plan.id)?;
    Ok(Ok(()))
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ActionInput {
    #[serde(default)]
    pub annee: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub period: String,
    #[serde(default)]
    pub audience: String,
    #[serde(default)]
    pub partner: String,
}

pub fn add_action(
    conn: &mut DbConnection,
    user: &CurrentUser,
    site_id: &str,
    year: i32,
    input: &ActionInput,
) -> AppResult<Result<(), Vec<String>>> {
    writable(conn, user, site_id)?;
    let mut errors = Vec::new();
    text(
        &input.title,
        "l’intitulé de l’action",
        300,
        true,
        &mut errors,
    );
    text(&input.period, "la période", 200, true, &mut errors);
    text(&input.audience, "le public", 300, true, &mut errors);
    text(&input.partner, "le partenaire", 300, false, &mut errors);
    let plan = ensure(conn, site_id, year)?;
    if !plan.open() {
        errors.push(CLOSED.to_owned());
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    diesel::insert_into(site_plan_actions::table)
        .values((
            site_plan_actions::id.eq(new_id()),
            site_plan_actions::plan_id.eq(&plan.id),
            site_plan_actions::title.eq(input.title.trim()),
            site_plan_actions::period.eq(input.period.trim()),
            site_plan_actions::audience.eq(input.audience.trim()),
            site_plan_actions::partner.eq(input.partner.trim()),
            site_plan_actions::status.eq(PlanActionStatus::Planned.as_str()),
            site_plan_actions::created_at.eq(now()),
        ))
        .execute(conn)?;
    touch(conn, &plan.id)?;
    Ok(Ok(()))
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ActionStatusInput {
    #[serde(default)]
    pub annee: String,
    #[serde(default)]
    pub action_id: String,
    #[serde(default)]
    pub status: String,
}

/// Marks an action done, cancelled or planned again (at any time of the year: it is the
/// plan's follow-up).
pub fn set_action_status(
    conn: &mut DbConnection,
    user: &CurrentUser,
    site_id: &str,
    year: i32,
    input: &ActionStatusInput,
) -> AppResult<Result<(), Vec<String>>> {
    writable(conn, user, site_id)?;
    let Some(plan) = find(conn, site_id, year)? else {
        return Ok(Err(vec![NO_PLAN.to_owned()]));
    };
    let Some(status) = PlanActionStatus::parse(input.status.trim()) else {
        return Ok(Err(vec!["Choisissez l’état de l’action.".to_owned()]));
    };
    let n = diesel::update(
        site_plan_actions::table
            .filter(site_plan_actions::id.eq(input.action_id.trim()))
            .filter(site_plan_actions::plan_id.eq(&plan.id)),
    )
    .set(site_plan_actions::status.eq(status.as_str()))
    .execute(conn)?;
    if n == 0 {
        return Ok(Err(vec!["Cette action n’est pas dans le plan.".to_owned()]));
    }
    touch(conn, &plan.id)?;
    Ok(Ok(()))
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ResultInput {
    #[serde(default)]
    pub annee: String,
    #[serde(default)]
    pub objective_id: String,
    #[serde(default)]
    pub achieved: String,
    #[serde(default)]
    pub comment: String,
}

/// Records an objective's result: the figure achieved and a comment (at any time).
pub fn record_result(
    conn: &mut DbConnection,
    user: &CurrentUser,
    site_id: &str,
    year: i32,
    input: &ResultInput,
) -> AppResult<Result<(), Vec<String>>> {
    writable(conn, user, site_id)?;
    let Some(plan) = find(conn, site_id, year)? else {
        return Ok(Err(vec![NO_PLAN.to_owned()]));
    };
    let mut errors = Vec::new();
    let achieved = figure(&input.achieved, "Le résultat atteint", &mut errors);
    text(&input.comment, "le commentaire", 2000, false, &mut errors);
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let n = diesel::update(
        site_plan_objectives::table
            .filter(site_plan_objectives::id.eq(input.objective_id.trim()))
            .filter(site_plan_objectives::plan_id.eq(&plan.id)),
    )
    .set((
        site_plan_objectives::achieved.eq(achieved),
        site_plan_objectives::comment.eq(input.comment.trim()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(Err(vec!["Cet objectif n’est pas dans le plan.".to_owned()]));
    }
    touch(conn, &plan.id)?;
    Ok(Ok(()))
}

/// Sends the plan to the regional team: it needs an objective and an action.
pub fn submit(
    conn: &mut DbConnection,
    user: &CurrentUser,
    site_id: &str,
    year: i32,
) -> AppResult<Result<(), Vec<String>>> {
    writable(conn, user, site_id)?;
    let plan = ensure(conn, site_id, year)?;
    if !plan.open() {
        return Ok(Err(vec![CLOSED.to_owned()]));
    }
    let objectives: i64 = site_plan_objectives::table
        .filter(site_plan_objectives::plan_id.eq(&plan.id))
        .count()
        .get_result(conn)?;
    let actions: i64 = site_plan_actions::table
        .filter(site_plan_actions::plan_id.eq(&plan.id))
        .count()
        .get_result(conn)?;
    let mut errors = Vec::new();
    if objectives == 0 {
        errors.push("Ajoutez au moins un objectif avant de transmettre le plan.".to_owned());
    }
    if actions == 0 {
        errors.push("Ajoutez au moins une action avant de transmettre le plan.".to_owned());
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    diesel::update(site_plans::table.find(&plan.id))
        .set((
            site_plans::status.eq(PlanStatus::Submitted.as_str()),
            site_plans::submitted_at.eq(Some(now())),
            site_plans::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(Ok(()))
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReviewInput {
    #[serde(default)]
    pub annee: String,
    /// `validated` or `to_revise`.
    #[serde(default)]
    pub decision: String,
    /// Required when the plan is to revise: the reason.
    #[serde(default)]
    pub comment: String,
}

/// The regional team's review of a submitted plan; the site's coordinators are told by mail.
pub fn review(
    conn: &mut DbConnection,
    user: &CurrentUser,
    site_id: &str,
    year: i32,
    input: &ReviewInput,
    base_url: &str,
) -> AppResult<Result<(), Vec<String>>> {
    let card = readable(conn, user, site_id)?;
    authorize(user, &Action::ReviewSitePlans)?;
    let plan = find(conn, site_id, year)?;
    let mut errors = Vec::new();
    let decision = match PlanStatus::parse(input.decision.trim()) {
        Some(d @ (PlanStatus::Validated | PlanStatus::ToRevise)) => Some(d),
        _ => {
            errors.push("Choisissez « Validé » ou « À revoir ».".to_owned());
            None
        }
    };
    let comment = input.comment.trim();
    if decision == Some(PlanStatus::ToRevise) && comment.is_empty() {
        errors.push("Indiquez pourquoi le plan est à revoir.".to_owned());
    }
    text(comment, "le commentaire", 2000, false, &mut errors);
    let plan = match plan {
        Some(p) if p.submitted() => Some(p),
        _ => {
            errors.push("Seul un plan transmis par le site peut être examiné.".to_owned());
            None
        }
    };
    let (Some(decision), Some(plan), true) = (decision, plan, errors.is_empty()) else {
        return Ok(Err(errors));
    };
    diesel::update(site_plans::table.find(&plan.id))
        .set((
            site_plans::status.eq(decision.as_str()),
            site_plans::review_comment.eq(comment),
            site_plans::reviewed_by.eq(Some(&user.id)),
            site_plans::reviewed_at.eq(Some(now())),
            site_plans::updated_at.eq(now()),
        ))
        .execute(conn)?;
    let coordinators: Vec<String> = users::table
        .filter(users::organisation_id.eq(&card.site.host_id))
        .filter(users::role.eq(Role::SiteCoordinator.as_str()))
        .filter(users::status.eq(UserStatus::Active.as_str()))
        .order(users::id)
        .select(users::email)
        .load(conn)?;
    let mail = super::mails::PlanReviewed {
        site: &card.site.name,
        year,
        validated: decision == PlanStatus::Validated,
        comment,
        plan_path: plan_path(site_id, year),
        base_url,
    };
    for to in coordinators {
        crate::mail::enqueue(conn, &to, &mail)?;
    }
    Ok(Ok(()))
}

pub fn plan_path(site_id: &str, year: i32) -> String {
    format!("/espaces-metiers/{site_id}/plan?annee={year}")
}
