//! Job-discovery actions: companies and branches offer them, schools search and request
//! them, the company answers, both sides record the attendance. Every read of a request is
//! scoped through the policy: a company sees requests for its own actions, a school its own.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::CurrentUser;
use crate::auth::policy::{Action, DiscoveryRequestRef, Rows, Scope, allows, authorize, scope};
use crate::auth::store::staff_emails;
use crate::db::{DbConnection, is_unique_violation, new_id, now, schema::*};
use crate::error::{AppError, AppResult};
use crate::offers::search::centre_and_radius;
use crate::search::geo::bounding_box;
use crate::string_enum;
use crate::types::Role;
use crate::web::{parse_date_fr as parse_day, read_date_fr};

string_enum! {
    /// What a company offers.
    ActionKind {
        CompanyVisit => "company_visit", "Visite d’entreprise";
        ClassTalk => "class_talk", "Intervention en classe";
        JobShadowing => "job_shadowing", "Immersion auprès d’un professionnel";
        Workshop => "workshop", "Atelier de découverte";
    }
}

string_enum! {
    /// Who an action is meant for.
    Level {
        College => "college", "Collège";
        Lycee => "lycee", "Lycée";
        PostBac => "post_bac", "Post-bac";
        JobSeekers => "job_seekers", "Demandeurs d’emploi";
    }
}

string_enum! {
    /// Where a request stands.
    RequestStatus {
        Requested => "requested", "Demandée";
        DateProposed => "date_proposed", "Autre date proposée";
        Accepted => "accepted", "Acceptée";
        Declined => "declined", "Déclinée";
        Done => "done", "Réalisée";
    }
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = discovery_actions)]
pub struct DiscoveryAction {
    pub id: String,
    pub organisation_id: String,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub rome_codes: String,
    pub levels: String,
    pub capacity: i32,
    pub commune_insee: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub on_request: bool,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    #[serde(skip)]
    pub search_terms: String,
    pub active: bool,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

impl DiscoveryAction {
    pub fn kind_label(&self) -> &'static str {
        ActionKind::parse(&self.kind).map_or("", ActionKind::label)
    }
    pub fn level_labels(&self) -> Vec<&'static str> {
        self.levels
            .split_whitespace()
            .filter_map(Level::parse)
            .map(Level::label)
            .collect()
    }
    pub fn romes(&self) -> Vec<&str> {
        self.rome_codes.split_whitespace().collect()
    }
    /// "Sur demande" or the dates, in French.
    pub fn when_fr(&self) -> String {
        match (self.on_request, self.starts_on, self.ends_on) {
            (true, _, _) | (false, None, _) => "Sur demande".into(),
            (false, Some(s), Some(e)) if e != s => format!(
                "Du {} au {}",
                crate::web::date_fr(&s),
                crate::web::date_fr(&e)
            ),
            (false, Some(s), _) => format!("Le {}", crate::web::date_fr(&s)),
        }
    }
}

/// An action as found by a search, with where it is and how far.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Hit {
    #[serde(flatten)]
    pub action: DiscoveryAction,
    pub organisation: String,
    pub commune: String,
    pub distance_km: Option<f64>,
}

impl Hit {
    pub fn distance(&self) -> String {
        match self.distance_km {
            Some(d) if d < 10.0 => format!("{d:.1} km").replace('.', ","),
            Some(d) => format!("{d:.0} km"),
            None => String::new(),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ActionInput {
    /// company_visit, class_talk, job_shadowing or workshop.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// ROME codes separated by spaces or commas.
    #[serde(default)]
    pub rome_codes: String,
    /// Levels separated by spaces or commas (college, lycee, post_bac, job_seekers).
    #[serde(default)]
    pub levels: String,
    #[serde(default)]
    pub capacity: String,
    /// Commune name, postal code or INSEE code.
    #[serde(default)]
    pub commune: String,
    /// `oui`: on request, no fixed dates.
    #[serde(default)]
    pub on_request: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
}

fn padded(items: &[String]) -> String {
    format!(" {} ", items.join(" "))
}

/// Publishes an action for the caller's company or branch.
pub fn create_action(
    conn: &mut DbConnection,
    user: &CurrentUser,
    input: &ActionInput,
) -> AppResult<Result<String, Vec<String>>> {
    authorize(user, &Action::OfferDiscoveryActions)?;
    let org = user
        .organisation_id
        .clone()
        .ok_or_else(AppError::forbidden)?;
    insert_action(conn, &org, input, &Entry::default())
}

/// Who entered an action other than the company itself: a chamber or a branch (kept until
/// the company takes it over), and the import row that brought it.
#[derive(Clone, Debug, Default)]
pub struct Entry<'a> {
    /// The chamber or branch, and the person.
    pub entered_by: Option<(&'a str, &'a str)>,
    /// The key of the imported row.
    pub import_key: Option<&'a str>,
}

/// Checks an action and stores it for the company `org`.
pub fn insert_action(
    conn: &mut DbConnection,
    org: &str,
    input: &ActionInput,
    entry: &Entry<'_>,
) -> AppResult<Result<String, Vec<String>>> {
    let mut errors = Vec::new();
    let kind = ActionKind::parse(input.kind.trim());
    if kind.is_none() {
        errors.push("Choisissez le type d’action.".to_owned());
    }
    if input.title.trim().is_empty() {
        errors.push("Indiquez le titre de l’action.".to_owned());
    }
    if input.description.trim().is_empty() {
        errors.push("Décrivez ce que les élèves découvriront.".to_owned());
    }
    let mut romes = Vec::new();
    for code in input
        .rome_codes
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|c| !c.is_empty())
    {
        let code = code.to_uppercase();
        let known: i64 = rome_occupations::table
            .filter(rome_occupations::code.eq(&code))
            .filter(rome_occupations::retired_at.is_null())
            .count()
            .get_result(conn)?;
        if known == 0 {
            errors.push(format!(
                "Le code ROME « {code} » n’existe pas ou a été retiré du référentiel."
            ));
        } else if !romes.contains(&code) {
            romes.push(code);
        }
    }
    if romes.is_empty() && !errors.iter().any(|e| e.contains("ROME")) {
        errors.push("Indiquez au moins un métier (code ROME, par exemple D1102).".to_owned());
    }
    let mut levels = Vec::new();
    for l in input
        .levels
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|c| !c.is_empty())
    {
        match Level::parse(l) {
            Some(level) if !levels.contains(&level.as_str().to_owned()) => {
                levels.push(level.as_str().to_owned())
            }
            Some(_) => {}
            None => errors.push(format!("Public inconnu : « {l} ».")),
        }
    }
    if levels.is_empty() {
        errors.push(
            "Choisissez au moins un public (collège, lycée, post-bac, demandeurs d’emploi)."
                .to_owned(),
        );
    }
    let capacity = match input.capacity.trim().parse::<i32>() {
        Ok(n) if (1..=500).contains(&n) => n,
        _ => {
            errors.push("La capacité est un nombre de personnes entre 1 et 500.".to_owned());
            0
        }
    };
    let commune = match crate::referential::store::resolve_commune(conn, &input.commune)? {
        Ok(c) if c.retired_at.is_some() => {
            errors.extend(c.refusal());
            None
        }
        Ok(c) => Some(c),
        Err(_) => {
            errors.push(
                "Commune introuvable ou ambiguë : saisissez son code postal ou son code INSEE."
                    .to_owned(),
            );
            None
        }
    };
    let on_request = input.on_request == "oui";
    let (mut starts_on, mut ends_on) = (None, None);
    if !on_request {
        starts_on = read_date_fr(
            &input.starts_on,
            "Indiquez la date de l’action (JJ/MM/AAAA) ou cochez « sur demande ».",
            &mut errors,
        );
        ends_on = match input.ends_on.trim() {
            "" => starts_on,
            t => match parse_day(t) {
                Ok(e) if Some(e) >= starts_on => Some(e),
                Ok(_) => {
                    errors.push("La date de fin doit suivre la date de début.".to_owned());
                    None
                }
                Err(e) => {
                    errors.push(
                        e.message("La date de fin s’écrit JJ/MM/AAAA et suit la date de début."),
                    );
                    None
                }
            },
        };
    }
    let (Some(kind), Some(commune), true) = (kind, commune, errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let mut analyzer = crate::search::analyzer::french_analyzer();
    let terms = crate::search::analyzer::terms(
        &mut analyzer,
        &format!("{} {}", input.title, input.description),
    );
    let id = new_id();
    diesel::insert_into(discovery_actions::table)
        .values((
            discovery_actions::id.eq(&id),
            discovery_actions::organisation_id.eq(org),
            discovery_actions::kind.eq(kind.as_str()),
            discovery_actions::title.eq(input.title.trim()),
            discovery_actions::description.eq(input.description.trim()),
            discovery_actions::rome_codes.eq(padded(&romes)),
            discovery_actions::levels.eq(padded(&levels)),
            discovery_actions::capacity.eq(capacity),
            discovery_actions::commune_insee.eq(&commune.insee_code),
            discovery_actions::lat.eq(commune.lat),
            discovery_actions::lon.eq(commune.lon),
            discovery_actions::on_request.eq(on_request),
            discovery_actions::starts_on.eq(starts_on),
            discovery_actions::ends_on.eq(ends_on),
            discovery_actions::search_terms.eq(padded(&terms)),
            discovery_actions::active.eq(true),
            discovery_actions::created_at.eq(now()),
            discovery_actions::updated_at.eq(now()),
            discovery_actions::entered_by_org.eq(entry.entered_by.map(|(o, _)| o)),
            discovery_actions::entered_by.eq(entry.entered_by.map(|(_, u)| u)),
            // The entering organisation stays known after the company takes it over.
            discovery_actions::import_org.eq(entry.entered_by.map(|(o, _)| o)),
            discovery_actions::import_key.eq(entry.import_key),
        ))
        .execute(conn)?;
    Ok(Ok(id))
}

/// What a teacher asks the catalogue.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct Asked {
    /// Words (French analysis: `boulangère` finds `boulanger`).
    #[serde(default)]
    pub q: String,
    /// A ROME code, e.g. D1102.
    #[serde(default)]
    pub metier: String,
    /// Commune name, postal code or INSEE code.
    #[serde(default)]
    pub commune: String,
    /// Radius around the commune, km (default 30).
    #[serde(default)]
    pub rayon: String,
    /// college, lycee, post_bac or job_seekers.
    #[serde(default)]
    pub niveau: String,
}

impl Asked {
    /// The search's fields by their names in addresses.
    pub fn fields(&self) -> [(&'static str, &str); 5] {
        [
            ("q", self.q.as_str()),
            ("metier", self.metier.as_str()),
            ("commune", self.commune.as_str()),
            ("rayon", self.rayon.as_str()),
            ("niveau", self.niveau.as_str()),
        ]
    }

    /// The non-empty fields as a query string: links to this search.
    pub fn query_string(&self) -> String {
        crate::web::filters::query_string(self.fields())
    }
}

/// Where distances are measured from: the commune asked, or else the caller's school.
pub struct Found {
    pub hits: Vec<Hit>,
    pub from: Option<String>,
}

fn school_position(
    conn: &mut DbConnection,
    user: Option<&CurrentUser>,
) -> AppResult<Option<(String, (f64, f64))>> {
    let Some(org) = user.and_then(|u| u.organisation_id.clone()) else {
        return Ok(None);
    };
    let found: Option<(String, Option<f64>, Option<f64>)> = organisations::table
        .inner_join(
            communes::table.on(communes::insee_code
                .nullable()
                .eq(organisations::commune_insee)),
        )
        .filter(organisations::id.eq(&org))
        .select((communes::name, communes::lat, communes::lon))
        .first(conn)
        .optional()?;
    Ok(found.and_then(|(name, lat, lon)| lat.zip(lon).map(|p| (name, p))))
}

/// Searches active actions; nearest first (from the commune asked, or the caller's school),
/// then soonest.
pub fn search(
    conn: &mut DbConnection,
    user: Option<&CurrentUser>,
    asked: &Asked,
) -> AppResult<Result<Found, Vec<String>>> {
    let mut errors = Vec::new();
    let around = centre_and_radius(conn, &asked.commune, &asked.rayon, &mut errors)?;
    let rome = match crate::referential::store::occupation_patterns(conn, &asked.metier)? {
        Ok(patterns) => patterns,
        Err(error) => {
            errors.push(error);
            None
        }
    };
    let level = match asked.niveau.trim() {
        "" => None,
        l => match Level::parse(l) {
            Some(level) => Some(level),
            None => {
                errors.push("Public inconnu.".to_owned());
                None
            }
        },
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut analyzer = crate::search::analyzer::french_analyzer();
    let terms = crate::search::analyzer::terms(&mut analyzer, &asked.q);
    let mut query = discovery_actions::table
        .inner_join(organisations::table)
        .inner_join(communes::table)
        .filter(discovery_actions::active.eq(true))
        .select((
            DiscoveryAction::as_select(),
            organisations::name,
            communes::name,
        ))
        .order((
            discovery_actions::starts_on.asc(),
            discovery_actions::id.asc(),
        ))
        .limit(2_000)
        .into_boxed();
    for term in &terms {
        query = query.filter(discovery_actions::search_terms.like(format!("% {term} %")));
    }
    if let Some([a, b, c, d, e]) = rome {
        let codes = discovery_actions::rome_codes;
        query = query.filter(
            codes
                .like(a)
                .or(codes.like(b))
                .or(codes.like(c))
                .or(codes.like(d))
                .or(codes.like(e)),
        );
    }
    if let Some(level) = level {
        query = query.filter(discovery_actions::levels.like(format!("% {} %", level.as_str())));
    }
    if let Some(around) = &around {
        let bbox = bounding_box(around.position, around.radius_km);
        query = query
            .filter(discovery_actions::lat.between(bbox.lat.0, bbox.lat.1))
            .filter(discovery_actions::lon.is_not_null());
        if let Some((lo, hi)) = bbox.lon {
            query = query.filter(discovery_actions::lon.between(lo, hi));
        }
    }
    let rows: Vec<(DiscoveryAction, String, String)> = query.load(conn)?;
    let (from, origin) = match &around {
        Some(a) => (Some(a.centre.name.clone()), Some(a.position)),
        None => match school_position(conn, user)? {
            Some((name, p)) => (Some(name), Some(p)),
            None => (None, None),
        },
    };
    let mut hits: Vec<Hit> = rows
        .into_iter()
        .filter_map(|(action, organisation, commune)| {
            let distance_km = origin
                .zip(action.lat.zip(action.lon))
                .map(|(o, p)| crate::search::haversine_km(o, p));
            if let (Some(a), Some(d)) = (&around, distance_km)
                && d > a.radius_km
            {
                return None;
            }
            Some(Hit {
                action,
                organisation,
                commune,
                distance_km,
            })
        })
        .collect();
    hits.sort_by(|a, b| match (a.distance_km, b.distance_km) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    Ok(Ok(Found { hits, from }))
}

pub fn action(conn: &mut DbConnection, id: &str) -> AppResult<Hit> {
    let row: Option<(DiscoveryAction, String, String)> = discovery_actions::table
        .inner_join(organisations::table)
        .inner_join(communes::table)
        .filter(discovery_actions::id.eq(id))
        .select((
            DiscoveryAction::as_select(),
            organisations::name,
            communes::name,
        ))
        .first(conn)
        .optional()?;
    let (action, organisation, commune) = row.ok_or_else(AppError::not_found)?;
    if !action.active {
        return Err(AppError::not_found());
    }
    Ok(Hit {
        action,
        organisation,
        commune,
        distance_km: None,
    })
}

/// Notes that a school looked at an action (once per school; later views change nothing).
pub fn record_view(conn: &mut DbConnection, user: &CurrentUser, action_id: &str) -> AppResult<()> {
    // Views are counted for schools: the teachers who may ask for actions.
    let (true, Some(school)) = (
        allows(user, &Action::RequestDiscoveryAction),
        user.organisation_id.as_deref(),
    ) else {
        return Ok(());
    };
    let seen: i64 = discovery_views::table
        .filter(discovery_views::action_id.eq(action_id))
        .filter(discovery_views::school_id.eq(school))
        .count()
        .get_result(conn)?;
    if seen > 0 {
        return Ok(());
    }
    match diesel::insert_into(discovery_views::table)
        .values((
            discovery_views::action_id.eq(action_id),
            discovery_views::school_id.eq(school),
            discovery_views::first_viewed_at.eq(now()),
        ))
        .execute(conn)
    {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// An action of the caller's organisation with how many schools looked at it and how many
/// asked for it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MyAction {
    #[serde(flatten)]
    pub action: DiscoveryAction,
    /// Distinct schools that opened the action's page.
    pub schools_viewed: i64,
    pub requests: i64,
}

pub fn my_actions(conn: &mut DbConnection, user: &CurrentUser) -> AppResult<Vec<MyAction>> {
    let Some(org) = user.organisation_id.clone() else {
        return Ok(Vec::new());
    };
    authorize(
        user,
        &Action::ManageDiscoveryAction {
            organisation_id: &org,
        },
    )?;
    let actions: Vec<DiscoveryAction> = discovery_actions::table
        .filter(discovery_actions::organisation_id.eq(&org))
        .filter(discovery_actions::active.eq(true))
        .order((discovery_actions::created_at.desc(), discovery_actions::id))
        .select(DiscoveryAction::as_select())
        .load(conn)?;
    let mut out = Vec::with_capacity(actions.len());
    for action in actions {
        let schools_viewed = views(conn, &action.id)?;
        let requests: i64 = discovery_requests::table
            .filter(discovery_requests::action_id.eq(&action.id))
            .count()
            .get_result(conn)?;
        out.push(MyAction {
            action,
            schools_viewed,
            requests,
        });
    }
    Ok(out)
}

/// Withdraws one of the organisation's actions: schools no longer find it nor request it;
/// the requests already received go on.
pub fn withdraw_action(conn: &mut DbConnection, user: &CurrentUser, id: &str) -> AppResult<String> {
    let found: Option<(String, String, Option<String>)> = discovery_actions::table
        .find(id)
        .filter(discovery_actions::active.eq(true))
        .select((
            discovery_actions::organisation_id,
            discovery_actions::title,
            discovery_actions::entered_by_org,
        ))
        .first(conn)
        .optional()?;
    let (organisation_id, title, entered_by) = found.ok_or_else(AppError::not_found)?;
    let keeper = entered_by.as_deref().is_some_and(|entered_by_org| {
        allows(user, &Action::KeepEnteredDiscoveryAction { entered_by_org })
    });
    if !keeper
        && !allows(
            user,
            &Action::ManageDiscoveryAction {
                organisation_id: &organisation_id,
            },
        )
    {
        return Err(AppError::not_found());
    }
    diesel::update(discovery_actions::table.find(id))
        .set((
            discovery_actions::active.eq(false),
            discovery_actions::updated_at.eq(now()),
        ))
        .execute(conn)?;
    crate::auth::audit::record(
        conn,
        crate::auth::audit::Event::by(user, "discovery.action_withdrawn")
            .on("discovery_action", id),
    )?;
    Ok(title)
}

/// The name of the chamber or branch that entered an action and still keeps it.
pub fn entered_by(conn: &mut DbConnection, action_id: &str) -> AppResult<Option<String>> {
    Ok(discovery_actions::table
        .inner_join(
            organisations::table.on(organisations::id
                .nullable()
                .eq(discovery_actions::entered_by_org)),
        )
        .filter(discovery_actions::id.eq(action_id))
        .select(organisations::name)
        .first(conn)
        .optional()?)
}

/// Distinct schools that looked at an action.
pub fn views(conn: &mut DbConnection, action_id: &str) -> AppResult<i64> {
    Ok(discovery_views::table
        .filter(discovery_views::action_id.eq(action_id))
        .count()
        .get_result(conn)?)
}

// ---- Requests ----

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = discovery_requests)]
pub struct DiscoveryRequest {
    pub id: String,
    pub action_id: String,
    pub company_id: String,
    pub school_id: String,
    #[serde(skip)]
    pub teacher_id: Option<String>,
    pub group_size: i32,
    pub wished_dates: String,
    pub message: String,
    pub status: String,
    /// The date proposed by the company, then agreed.
    pub proposed_date: Option<NaiveDate>,
    /// The company's last answer.
    pub answer: Option<String>,
    /// Attendance the company recorded.
    pub company_attendance: Option<i32>,
    /// Attendance the school recorded.
    pub school_attendance: Option<i32>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub updated_at: NaiveDateTime,
}

impl DiscoveryRequest {
    pub fn status(&self) -> RequestStatus {
        RequestStatus::parse(&self.status).unwrap_or(RequestStatus::Requested)
    }
    pub fn status_label(&self) -> &'static str {
        self.status().label()
    }
    pub fn reference(&self) -> DiscoveryRequestRef {
        DiscoveryRequestRef {
            company_id: self.company_id.clone(),
            school_id: self.school_id.clone(),
        }
    }
    pub fn date_fr(&self) -> String {
        self.proposed_date
            .map(|d| crate::web::date_fr(&d))
            .unwrap_or_default()
    }
    pub fn created_fr(&self) -> String {
        crate::web::datetime_fr(&self.created_at)
    }
}

/// A request with the names people read.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RequestRow {
    #[serde(flatten)]
    pub request: DiscoveryRequest,
    pub action_title: String,
    pub company: String,
    pub school: String,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct RequestInput {
    /// Number of pupils or people.
    #[serde(default)]
    pub group_size: String,
    /// Dates that suit the class, in words.
    #[serde(default)]
    pub wished_dates: String,
    #[serde(default)]
    pub message: String,
}

fn org_name(conn: &mut DbConnection, id: &str) -> AppResult<String> {
    Ok(organisations::table
        .find(id)
        .select(organisations::name)
        .first(conn)?)
}

/// A teacher asks for an action for a group; the company's staff get a mail.
pub fn request(
    conn: &mut DbConnection,
    user: &CurrentUser,
    action_id: &str,
    input: &RequestInput,
    base_url: &str,
) -> AppResult<Result<String, Vec<String>>> {
    authorize(user, &Action::RequestDiscoveryAction)?;
    let school = user
        .organisation_id
        .clone()
        .ok_or_else(AppError::forbidden)?;
    let hit = action(conn, action_id)?;
    let mut errors = Vec::new();
    let size = match input.group_size.trim().parse::<i32>() {
        Ok(n) if n >= 1 && n <= hit.action.capacity => n,
        Ok(n) if n > hit.action.capacity => {
            errors.push(format!(
                "Cette action accueille {} au plus : réduisez le groupe ou faites deux demandes.",
                crate::web::french::plural(hit.action.capacity, "personne", "personnes")
            ));
            0
        }
        _ => {
            errors.push("Indiquez la taille du groupe (un nombre).".to_owned());
            0
        }
    };
    if input.wished_dates.trim().is_empty() {
        errors.push("Indiquez les dates qui conviennent à votre groupe.".to_owned());
    }
    if input.message.chars().count() > 4000 {
        errors.push("Le message est limité à 4 000 caractères.".to_owned());
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let id = new_id();
    diesel::insert_into(discovery_requests::table)
        .values((
            discovery_requests::id.eq(&id),
            discovery_requests::action_id.eq(action_id),
            discovery_requests::company_id.eq(&hit.action.organisation_id),
            discovery_requests::school_id.eq(&school),
            discovery_requests::teacher_id.eq(&user.id),
            discovery_requests::group_size.eq(size),
            discovery_requests::wished_dates.eq(input.wished_dates.trim()),
            discovery_requests::message.eq(input.message.trim()),
            discovery_requests::status.eq(RequestStatus::Requested.as_str()),
            discovery_requests::created_at.eq(now()),
            discovery_requests::updated_at.eq(now()),
        ))
        .execute(conn)?;
    let school_name = org_name(conn, &school)?;
    for to in staff_emails(
        conn,
        &hit.action.organisation_id,
        &[Role::Recruiter, Role::PartnerResponder],
    )? {
        let mail = super::mails::Requested {
            teacher: user.full_name(),
            school: &school_name,
            action_title: &hit.action.title,
            size,
            wished_dates: input.wished_dates.trim(),
            message: input.message.trim(),
            id: &id,
            base_url,
        };
        crate::mail::enqueue(conn, &to, &mail)?;
    }
    Ok(Ok(id))
}

/// A request the caller may see; another organisation's answers 404.
pub fn get_for(conn: &mut DbConnection, user: &CurrentUser, id: &str) -> AppResult<RequestRow> {
    let found: Option<DiscoveryRequest> = discovery_requests::table
        .find(id)
        .select(DiscoveryRequest::as_select())
        .first(conn)
        .optional()?;
    let found = found.ok_or_else(AppError::not_found)?;
    if !allows(user, &Action::ViewDiscoveryRequest(&found.reference())) {
        return Err(AppError::not_found());
    }
    row(conn, found)
}

fn row(conn: &mut DbConnection, request: DiscoveryRequest) -> AppResult<RequestRow> {
    let action_title: String = discovery_actions::table
        .find(&request.action_id)
        .select(discovery_actions::title)
        .first(conn)?;
    Ok(RequestRow {
        action_title,
        company: org_name(conn, &request.company_id)?,
        school: org_name(conn, &request.school_id)?,
        request,
    })
}

/// The requests a person may see: a company's staff those for its actions, a school's
/// teachers their school's, the regional team all. Newest first.
pub fn requests(conn: &mut DbConnection, user: &CurrentUser) -> AppResult<Vec<RequestRow>> {
    let seen = scope(user, Rows::DiscoveryRequests);
    let mut query = discovery_requests::table
        .order((
            discovery_requests::created_at.desc(),
            discovery_requests::id,
        ))
        .select(DiscoveryRequest::as_select())
        .into_boxed();
    query = match &seen {
        Scope::Region => query,
        Scope::Company(org) => query.filter(discovery_requests::company_id.eq(org.clone())),
        Scope::School(org) => query.filter(discovery_requests::school_id.eq(org.clone())),
        _ => return Err(AppError::forbidden()),
    };
    let found: Vec<DiscoveryRequest> = query.load(conn)?;
    let mut out = Vec::new();
    for r in found {
        // The policy has the last word on each one.
        if allows(user, &Action::ViewDiscoveryRequest(&r.reference())) {
            out.push(row(conn, r)?);
        }
    }
    Ok(out)
}

/// A step on a request.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = DiscoveryStepInput)]
pub struct StepInput {
    /// Company: accept, propose_date, decline; school: accept_date; both: took_place.
    pub step: String,
    /// The date agreed or proposed (JJ/MM/AAAA).
    #[serde(default)]
    pub date: String,
    /// Words for the other side (required to decline or propose a date).
    #[serde(default)]
    pub message: String,
    /// How many people attended (took_place).
    #[serde(default)]
    pub attendance: String,
}

/// Steps the caller may take now.
pub fn steps(user: &CurrentUser, r: &DiscoveryRequest) -> Vec<&'static str> {
    let reference = r.reference();
    let company = allows(user, &Action::AnswerDiscoveryRequest(&reference));
    let school = allows(user, &Action::FollowDiscoveryRequest(&reference));
    let mut out = Vec::new();
    match r.status() {
        RequestStatus::Requested if company => out.extend(["accept", "propose_date", "decline"]),
        RequestStatus::DateProposed if school => out.push("accept_date"),
        RequestStatus::DateProposed if company => out.push("decline"),
        RequestStatus::Accepted => {
            if company && r.company_attendance.is_none() {
                out.push("took_place");
            }
            if school && r.school_attendance.is_none() {
                out.push("took_place");
            }
            if company {
                out.push("decline");
            }
        }
        _ => {}
    }
    out
}

/// Moves a request along; mails the other side.
pub fn apply_step(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: &str,
    input: &StepInput,
    base_url: &str,
) -> AppResult<Result<RequestStatus, Vec<String>>> {
    let row = get_for(conn, user, id)?;
    let r = &row.request;
    let step = input.step.trim();
    if !steps(user, r).contains(&step) {
        if matches!(
            step,
            "accept" | "propose_date" | "decline" | "accept_date" | "took_place"
        ) {
            if !allows(user, &Action::AnswerDiscoveryRequest(&r.reference()))
                && !allows(user, &Action::FollowDiscoveryRequest(&r.reference()))
            {
                return Err(AppError::forbidden());
            }
            return Err(AppError::conflict(format!(
                "Cette étape n’est pas possible : la demande est « {} ».",
                r.status_label()
            )));
        }
        return Ok(Err(vec!["Étape inconnue.".to_owned()]));
    }
    let company_side = allows(user, &Action::AnswerDiscoveryRequest(&r.reference()));
    let mut errors = Vec::new();
    let date = match input.date.trim() {
        "" => None,
        d => read_date_fr(d, "La date s’écrit JJ/MM/AAAA.", &mut errors),
    };
    let message = input.message.trim();
    let mut status = r.status();
    let mut proposed = r.proposed_date;
    let (mut company_att, mut school_att) = (r.company_attendance, r.school_attendance);
    match step {
        "accept" => {
            status = RequestStatus::Accepted;
            proposed = date.or(proposed);
        }
        "propose_date" => {
            if date.is_none() && errors.is_empty() {
                errors.push("Indiquez la date que vous proposez.".to_owned());
            }
            status = RequestStatus::DateProposed;
            proposed = date;
        }
        "decline" => {
            if message.is_empty() {
                errors.push("Expliquez en quelques mots pourquoi vous déclinez.".to_owned());
            }
            status = RequestStatus::Declined;
        }
        "accept_date" => status = RequestStatus::Accepted,
        "took_place" => {
            match input.attendance.trim().parse::<i32>() {
                Ok(n) if (0..=1000).contains(&n) => {
                    if company_side {
                        company_att = Some(n);
                    } else {
                        school_att = Some(n);
                    }
                }
                _ => errors.push("Indiquez combien de personnes étaient présentes.".to_owned()),
            }
            if company_att.is_some() && school_att.is_some() {
                status = RequestStatus::Done;
            }
        }
        _ => unreachable!("checked above"),
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let answer = if company_side && !message.is_empty() {
        Some(message.to_owned())
    } else {
        r.answer.clone()
    };
    let updated = diesel::update(
        discovery_requests::table
            .filter(discovery_requests::id.eq(id))
            .filter(discovery_requests::status.eq(&r.status)),
    )
    .set((
        discovery_requests::status.eq(status.as_str()),
        discovery_requests::proposed_date.eq(proposed),
        discovery_requests::answer.eq(answer),
        discovery_requests::company_attendance.eq(company_att),
        discovery_requests::school_attendance.eq(school_att),
        discovery_requests::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if updated == 0 {
        return Err(AppError::conflict(
            "La demande vient d’être modifiée par ailleurs : rechargez la page.",
        ));
    }
    // Tell the other side.
    let (to_org, roles): (&str, &[Role]) = if company_side {
        (&r.school_id, &[Role::Teacher])
    } else {
        (&r.company_id, &[Role::Recruiter, Role::PartnerResponder])
    };
    let mut recipients = staff_emails(conn, to_org, roles)?;
    if company_side && let Some(teacher) = &r.teacher_id {
        let own: Option<String> = users::table
            .find(teacher)
            .filter(users::status.eq("active"))
            .select(users::email)
            .first(conn)
            .optional()?;
        // The teacher who asked first; colleagues only when they left.
        if let Some(own) = own {
            recipients = vec![own];
        }
    }
    let what = match step {
        "accept" => format!(
            "{} accepte votre demande{}.",
            row.company,
            proposed
                .map(|d| format!(" pour le {}", crate::web::date_fr(&d)))
                .unwrap_or_default()
        ),
        "propose_date" => format!(
            "{} propose une autre date : le {}. Acceptez-la sur Passerelle si elle vous convient.",
            row.company,
            proposed
                .map(|d| crate::web::date_fr(&d))
                .unwrap_or_default()
        ),
        "decline" => format!("{} décline la demande.", row.company),
        "accept_date" => format!(
            "{} accepte la date du {}.",
            row.school,
            proposed
                .map(|d| crate::web::date_fr(&d))
                .unwrap_or_default()
        ),
        _ => format!(
            "{} indique que l’action a eu lieu avec {}.",
            if company_side {
                &row.company
            } else {
                &row.school
            },
            crate::web::french::plural(
                if company_side {
                    company_att
                } else {
                    school_att
                }
                .unwrap_or_default(),
                "personne",
                "personnes"
            )
        ),
    };
    for to in recipients {
        let mail = super::mails::Update {
            action_title: &row.action_title,
            status: status.label(),
            what: &what,
            message,
            id,
            base_url,
        };
        crate::mail::enqueue(conn, &to, &mail)?;
    }
    Ok(Ok(status))
}
