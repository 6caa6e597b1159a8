//! Sites, the visit log, events with registrations and exhibition bookings. Every read of a
//! site's data goes through the policy; another host's site answers 404.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::model::{AgeBand, EventKind, Referral, Topic, VisitSituation};
use crate::auth::CurrentUser;
use crate::auth::policy::{Action, Rows, Scope, allows, scope};
use crate::db::{DbConnection, is_unique_violation, new_id, now, schema::*};
use crate::error::{AppError, AppResult};
use crate::types::{EmailAddress, OrgKind};
use crate::web::{parse_date_fr as parse_day, read_date_fr};

/// Longest period an exhibition may be booked for in one go (days, transport excluded).
pub const MAX_BOOKING_DAYS: i64 = 92;
/// Most transport days before or after a booking.
pub const MAX_TRANSPORT_DAYS: i32 = 7;

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = sites)]
pub struct Site {
    pub id: String,
    pub host_id: String,
    pub name: String,
    pub address: String,
    pub commune_insee: String,
    pub opening_hours: String,
    pub services: String,
    pub resources: String,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
    /// The central site this one is a relay of (« site relais »), if any.
    pub central_site_id: Option<String>,
}

/// A site with its host's and commune's names, for lists.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SiteCard {
    #[serde(flatten)]
    pub site: Site,
    pub host: String,
    pub commune: String,
}

fn cards(conn: &mut DbConnection, host: Option<&str>) -> AppResult<Vec<SiteCard>> {
    let mut query = sites::table
        .inner_join(organisations::table)
        .inner_join(communes::table)
        .select((Site::as_select(), organisations::name, communes::name))
        .order((sites::name, sites::id))
        .into_boxed();
    if let Some(host) = host {
        query = query.filter(sites::host_id.eq(host.to_owned()));
    }
    let rows: Vec<(Site, String, String)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(site, host, commune)| SiteCard {
            site,
            host,
            commune,
        })
        .collect())
}

/// The relays of these central sites, by name.
pub fn relays_of(conn: &mut DbConnection, central_ids: &[String]) -> AppResult<Vec<SiteCard>> {
    if central_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(Site, String, String)> = sites::table
        .inner_join(organisations::table)
        .inner_join(communes::table)
        .filter(sites::central_site_id.eq_any(central_ids))
        .select((Site::as_select(), organisations::name, communes::name))
        .order((sites::name, sites::id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(site, host, commune)| SiteCard {
            site,
            host,
            commune,
        })
        .collect())
}

/// Every site of the network (public information: address, hours, services).
pub fn all(conn: &mut DbConnection) -> AppResult<Vec<SiteCard>> {
    cards(conn, None)
}

/// The sites a person runs: a coordinator those of their host, the regional team all.
pub fn managed(conn: &mut DbConnection, user: &CurrentUser) -> AppResult<Vec<SiteCard>> {
    match scope(user, Rows::Sites) {
        Scope::Region => cards(conn, None),
        Scope::Host(org) => cards(conn, Some(&org)),
        _ => Ok(Vec::new()),
    }
}

pub fn get(conn: &mut DbConnection, id: &str) -> AppResult<SiteCard> {
    let row: Option<(Site, String, String)> = sites::table
        .inner_join(organisations::table)
        .inner_join(communes::table)
        .filter(sites::id.eq(id))
        .select((Site::as_select(), organisations::name, communes::name))
        .first(conn)
        .optional()?;
    let (site, host, commune) = row.ok_or_else(AppError::not_found)?;
    Ok(SiteCard {
        site,
        host,
        commune,
    })
}

/// A site the person runs; any other answers 404 (ids teach nothing).
pub fn managed_site(conn: &mut DbConnection, user: &CurrentUser, id: &str) -> AppResult<SiteCard> {
    let card = get(conn, id)?;
    if allows(
        user,
        &Action::ManageSite {
            host_id: &card.site.host_id,
        },
    ) {
        Ok(card)
    } else {
        Err(AppError::not_found())
    }
}

/// A site's details as typed in the form.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct SiteInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: String,
    /// Commune name, postal code or INSEE code.
    #[serde(default)]
    pub commune: String,
    #[serde(default)]
    pub opening_hours: String,
    #[serde(default)]
    pub services: String,
    #[serde(default)]
    pub resources: String,
    /// The host organisation (regional team only; a coordinator's own host otherwise).
    #[serde(default)]
    pub host_id: String,
}

fn check_site(conn: &mut DbConnection, input: &SiteInput) -> AppResult<(String, Vec<String>)> {
    let mut errors = Vec::new();
    if input.name.trim().is_empty() {
        errors.push("Indiquez le nom du site.".to_owned());
    }
    if input.address.trim().is_empty() {
        errors.push("Indiquez l’adresse du site.".to_owned());
    }
    if input.opening_hours.trim().is_empty() {
        errors.push("Indiquez les horaires d’ouverture.".to_owned());
    }
    let commune = match crate::referential::store::resolve_commune(conn, &input.commune)? {
        Ok(c) => c.insee_code,
        Err(_) => {
            errors.push(
                "Commune introuvable ou ambiguë : saisissez son code postal ou son code INSEE."
                    .to_owned(),
            );
            String::new()
        }
    };
    Ok((commune, errors))
}

/// Opens a site for a host organisation.
pub fn create_site(
    conn: &mut DbConnection,
    user: &CurrentUser,
    input: &SiteInput,
) -> AppResult<Result<String, Vec<String>>> {
    let host_id = if allows(user, &Action::ChooseSiteHost) {
        input.host_id.trim().to_owned()
    } else {
        user.organisation_id.clone().unwrap_or_default()
    };
    if !allows(user, &Action::CreateSiteFor { host_id: &host_id }) {
        return Err(AppError::forbidden());
    }
    let (commune, mut errors) = check_site(conn, input)?;
    let host_kind: Option<String> = organisations::table
        .find(&host_id)
        .select(organisations::kind)
        .first(conn)
        .optional()?;
    if host_kind.as_deref() != Some(OrgKind::SiteHost.as_str()) {
        errors.push("Choisissez la structure d’accueil du site.".to_owned());
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let id = new_id();
    diesel::insert_into(sites::table)
        .values((
            sites::id.eq(&id),
            sites::host_id.eq(&host_id),
            sites::name.eq(input.name.trim()),
            sites::address.eq(input.address.trim()),
            sites::commune_insee.eq(&commune),
            sites::opening_hours.eq(input.opening_hours.trim()),
            sites::services.eq(input.services.trim()),
            sites::resources.eq(input.resources.trim()),
            sites::created_at.eq(now()),
            sites::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(Ok(id))
}

/// Changes a site's details (its coordinators).
pub fn update_site(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: &str,
    input: &SiteInput,
) -> AppResult<Result<(), Vec<String>>> {
    managed_site(conn, user, id)?;
    let (commune, errors) = check_site(conn, input)?;
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    diesel::update(sites::table.find(id))
        .set((
            sites::name.eq(input.name.trim()),
            sites::address.eq(input.address.trim()),
            sites::commune_insee.eq(&commune),
            sites::opening_hours.eq(input.opening_hours.trim()),
            sites::services.eq(input.services.trim()),
            sites::resources.eq(input.resources.trim()),
            sites::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(Ok(()))
}

// ---- Visit log ----

/// One walk-in visit as the tablet form sends it: codes only.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct VisitInput {
    /// under_16, 16_25, 26_44 or 45_plus.
    #[serde(default)]
    pub age_band: String,
    /// pupil, student, job_seeker, employee, parent or other.
    #[serde(default)]
    pub situation: String,
    /// discover_trades, orientation, training, alternance, job_search, career_change, other.
    #[serde(default)]
    pub topic: String,
    /// `individual` (default) or `group`.
    #[serde(default)]
    pub kind: String,
    /// Number of people of a group visit.
    #[serde(default)]
    pub group_size: String,
    /// A partner code (mission_locale, france_travail, cio…) or empty.
    #[serde(default)]
    pub referred_to: String,
    /// The day of the visit (JJ/MM/AAAA); today when empty.
    #[serde(default)]
    pub visited_on: String,
}

/// Records a visit; returns how many visits the site logged that day.
pub fn record_visit(
    conn: &mut DbConnection,
    user: &CurrentUser,
    site_id: &str,
    input: &VisitInput,
    today: NaiveDate,
) -> AppResult<Result<i64, Vec<String>>> {
    managed_site(conn, user, site_id)?;
    let mut errors = Vec::new();
    let age = AgeBand::parse(input.age_band.trim());
    if age.is_none() {
        errors.push("Choisissez la tranche d’âge.".to_owned());
    }
    let situation = VisitSituation::parse(input.situation.trim());
    if situation.is_none() {
        errors.push("Choisissez la situation.".to_owned());
    }
    let topic = Topic::parse(input.topic.trim());
    if topic.is_none() {
        errors.push("Choisissez le sujet de la visite.".to_owned());
    }
    let group_size = match input.kind.trim() {
        "" | "individual" => 1,
        "group" => match input.group_size.trim().parse::<i32>() {
            Ok(n) if (2..=200).contains(&n) => n,
            _ => {
                errors.push("Pour un groupe, indiquez le nombre de personnes (2 à 200).".into());
                1
            }
        },
        _ => {
            errors.push("Visite individuelle ou en groupe ?".to_owned());
            1
        }
    };
    let referred = match input.referred_to.trim() {
        "" => None,
        code => {
            let r = Referral::parse(code);
            if r.is_none() {
                errors.push("Partenaire d’orientation inconnu.".to_owned());
            }
            r
        }
    };
    let day = match input.visited_on.trim() {
        "" => today,
        text => match parse_day(text) {
            Ok(d) if d <= today && d > today - Duration::days(366) => d,
            other => {
                let format = "La date de la visite s’écrit JJ/MM/AAAA et ne peut pas être à venir.";
                errors.push(match other {
                    Err(e) => e.message(format),
                    Ok(_) => format.to_owned(),
                });
                today
            }
        },
    };
    let (Some(age), Some(situation), Some(topic), true) =
        (age, situation, topic, errors.is_empty())
    else {
        return Ok(Err(errors));
    };
    diesel::insert_into(site_visits::table)
        .values((
            site_visits::id.eq(new_id()),
            site_visits::site_id.eq(site_id),
            site_visits::visited_on.eq(day),
            site_visits::age_band.eq(age.as_str()),
            site_visits::situation.eq(situation.as_str()),
            site_visits::topic.eq(topic.as_str()),
            site_visits::group_size.eq(group_size),
            site_visits::referred_to.eq(referred.map(|r| r.as_str())),
            site_visits::created_at.eq(now()),
        ))
        .execute(conn)?;
    visits_on(conn, site_id, day).map(Ok)
}

/// How many visits a site logged on a day.
pub fn visits_on(conn: &mut DbConnection, site_id: &str, day: NaiveDate) -> AppResult<i64> {
    Ok(site_visits::table
        .filter(site_visits::site_id.eq(site_id))
        .filter(site_visits::visited_on.eq(day))
        .count()
        .get_result(conn)?)
}

// ---- Events ----

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = site_events)]
pub struct SiteEvent {
    pub id: String,
    pub site_id: String,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub starts_at: NaiveDateTime,
    /// Places open to registration; none: no registration needed.
    pub capacity: Option<i32>,
    pub registered: i32,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
}

impl SiteEvent {
    pub fn kind_label(&self) -> &'static str {
        EventKind::parse(&self.kind).map_or("", EventKind::label)
    }
    /// Date and time as stored (local time of the site, typed by the coordinator).
    pub fn when_fr(&self) -> String {
        self.starts_at.format("%d/%m/%Y à %H:%M").to_string()
    }
    pub fn places_left(&self) -> Option<i32> {
        self.capacity.map(|c| (c - self.registered).max(0))
    }
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct EventInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// JJ/MM/AAAA.
    #[serde(default)]
    pub date: String,
    /// HH:MM.
    #[serde(default)]
    pub time: String,
    /// Places open to registration; empty: no registration.
    #[serde(default)]
    pub capacity: String,
}

pub fn create_event(
    conn: &mut DbConnection,
    user: &CurrentUser,
    site_id: &str,
    input: &EventInput,
) -> AppResult<Result<String, Vec<String>>> {
    managed_site(conn, user, site_id)?;
    let mut errors = Vec::new();
    let kind = EventKind::parse(input.kind.trim());
    if kind.is_none() {
        errors.push("Choisissez le type d’événement.".to_owned());
    }
    if input.title.trim().is_empty() {
        errors.push("Indiquez le titre de l’événement.".to_owned());
    }
    let date = read_date_fr(
        &input.date,
        "La date de l’événement s’écrit JJ/MM/AAAA.",
        &mut errors,
    );
    let time = chrono::NaiveTime::parse_from_str(input.time.trim(), "%H:%M").ok();
    if time.is_none() {
        errors.push("L’heure de début s’écrit HH:MM, par exemple 14:00.".to_owned());
    }
    let capacity = match input.capacity.trim() {
        "" => None,
        c => match c.parse::<i32>() {
            Ok(n) if (1..=1000).contains(&n) => Some(n),
            _ => {
                errors.push("Le nombre de places est un nombre entre 1 et 1 000.".to_owned());
                None
            }
        },
    };
    let (Some(kind), Some(date), Some(time), true) = (kind, date, time, errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let id = new_id();
    diesel::insert_into(site_events::table)
        .values((
            site_events::id.eq(&id),
            site_events::site_id.eq(site_id),
            site_events::kind.eq(kind.as_str()),
            site_events::title.eq(input.title.trim()),
            site_events::description.eq(input.description.trim()),
            site_events::starts_at.eq(date.and_time(time)),
            site_events::capacity.eq(capacity),
            site_events::registered.eq(0),
            site_events::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(Ok(id))
}

/// A site's events from a day on, soonest first.
pub fn events(
    conn: &mut DbConnection,
    site_id: &str,
    from: NaiveDate,
) -> AppResult<Vec<SiteEvent>> {
    Ok(site_events::table
        .filter(site_events::site_id.eq(site_id))
        .filter(site_events::starts_at.ge(from.and_hms_opt(0, 0, 0).expect("midnight")))
        .order((site_events::starts_at, site_events::id))
        .select(SiteEvent::as_select())
        .load(conn)?)
}

pub fn event(conn: &mut DbConnection, id: &str) -> AppResult<SiteEvent> {
    site_events::table
        .find(id)
        .select(SiteEvent::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

#[derive(Clone, Debug, Queryable, Serialize, utoipa::ToSchema)]
pub struct Registration {
    pub name: String,
    pub email: String,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub created_at: NaiveDateTime,
}

/// Who registered for an event (the site's coordinators).
pub fn registrations(
    conn: &mut DbConnection,
    user: &CurrentUser,
    event: &SiteEvent,
) -> AppResult<Vec<Registration>> {
    managed_site(conn, user, &event.site_id)?;
    Ok(site_event_registrations::table
        .filter(site_event_registrations::event_id.eq(&event.id))
        .order(site_event_registrations::created_at)
        .select((
            site_event_registrations::name,
            site_event_registrations::email,
            site_event_registrations::created_at,
        ))
        .load(conn)?)
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct RegistrationInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
}

/// The public registration form's use of the shared throttle: each registration takes a place
/// and mails a confirmation, so nobody fills an event or a mailbox from one connection.
const REGISTRATION_LIMIT: crate::auth::throttle::Limit = crate::auth::throttle::Limit {
    action: "site_event_registration",
    per_email: 5,
    per_ip: 10,
    window_minutes: 60,
    message: "Trop d’inscriptions depuis cette connexion ou avec cette adresse : réessayez dans une heure, ou adressez-vous à l’Espace Métiers.",
};

/// Registers someone for an event. The first statement takes a place with a conditional
/// update (`registered < capacity`): two people can never take the last place together.
/// Valid registrations count in the shared throttle (`ip`: the client's address).
pub fn register(
    conn: &mut DbConnection,
    event_id: &str,
    input: &RegistrationInput,
    base_url: &str,
    ip: &str,
) -> AppResult<Result<(), Vec<String>>> {
    let mut errors = Vec::new();
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        errors.push("Indiquez votre nom (120 caractères au plus).".to_owned());
    }
    let email = match EmailAddress::parse(&input.email) {
        Ok(e) => Some(e),
        Err(e) => {
            errors.push(e.to_owned());
            None
        }
    };
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Ok(Err(errors));
    };
    crate::auth::throttle::hit(conn, &REGISTRATION_LIMIT, Some(email.as_str()), ip)?;
    let taken = diesel::update(
        site_events::table
            .filter(site_events::id.eq(event_id))
            .filter(site_events::capacity.is_not_null())
            .filter(site_events::registered.lt(site_events::capacity.assume_not_null())),
    )
    .set(site_events::registered.eq(site_events::registered + 1))
    .execute(conn)?;
    if taken == 0 {
        let event = event(conn, event_id)?;
        return Err(if event.capacity.is_none() {
            AppError::conflict(
                "Cet événement est en accès libre : aucune inscription n’est nécessaire.",
            )
        } else {
            AppError::conflict("Cet événement est complet : il n’y a plus de place disponible.")
        });
    }
    let secret = crate::auth::tokens::random_secret();
    let inserted = diesel::insert_into(site_event_registrations::table)
        .values((
            site_event_registrations::id.eq(new_id()),
            site_event_registrations::event_id.eq(event_id),
            site_event_registrations::name.eq(name),
            site_event_registrations::email.eq(email.as_str()),
            site_event_registrations::created_at.eq(now()),
            site_event_registrations::cancel_token_hash
                .eq(Some(crate::auth::tokens::digest(&secret))),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(AppError::conflict(
                "Cette adresse e-mail est déjà inscrite à cet événement.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let event = event(conn, event_id)?;
    let mail = super::mails::Registered {
        name,
        title: &event.title,
        kind: event.kind_label(),
        when: event.when_fr(),
        cancel_path: cancel_path(&secret),
        base_url,
    };
    crate::mail::enqueue(conn, email.as_str(), &mail)?;
    Ok(Ok(()))
}

/// Where a registered person cancels (the secret comes from their confirmation mail).
pub fn cancel_path(secret: &str) -> String {
    format!("/evenements/annulation/{secret}")
}

/// A registration found by the secret of its cancellation link.
#[derive(Clone, Debug)]
pub struct Cancellable {
    pub registration_id: String,
    pub name: String,
    email: String,
    pub event: SiteEvent,
}

/// The registration a cancellation link stands for (404 once cancelled or unknown).
pub fn cancellable(conn: &mut DbConnection, secret: &str) -> AppResult<Cancellable> {
    let found: Option<(String, String, String, String)> = site_event_registrations::table
        .filter(
            site_event_registrations::cancel_token_hash
                .eq(crate::auth::tokens::digest(secret.trim())),
        )
        .select((
            site_event_registrations::id,
            site_event_registrations::name,
            site_event_registrations::email,
            site_event_registrations::event_id,
        ))
        .first(conn)
        .optional()?;
    let (registration_id, name, email, event_id) = found.ok_or_else(AppError::not_found)?;
    Ok(Cancellable {
        registration_id,
        name,
        email,
        event: event(conn, &event_id)?,
    })
}

/// Cancels the registration of a link: the place goes back to others, and the person gets
/// a confirmation. Returns the event.
pub fn cancel_registration(conn: &mut DbConnection, secret: &str) -> AppResult<SiteEvent> {
    let found = cancellable(conn, secret)?;
    let deleted = diesel::delete(site_event_registrations::table.find(&found.registration_id))
        .execute(conn)?;
    if deleted == 0 {
        return Err(AppError::not_found());
    }
    diesel::update(
        site_events::table
            .filter(site_events::id.eq(&found.event.id))
            .filter(site_events::registered.gt(0)),
    )
    .set(site_events::registered.eq(site_events::registered - 1))
    .execute(conn)?;
    let event = event(conn, &found.event.id)?;
    let mail = super::mails::Cancelled {
        name: &found.name,
        title: &event.title,
        when: event.when_fr(),
    };
    crate::mail::enqueue(conn, &found.email, &mail)?;
    Ok(event)
}

// ---- Exhibitions ----

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = exhibitions)]
pub struct Exhibition {
    pub id: String,
    pub title: String,
    pub description: String,
    pub requirements: String,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

pub fn exhibitions(conn: &mut DbConnection) -> AppResult<Vec<Exhibition>> {
    Ok(exhibitions::table
        .order((exhibitions::title, exhibitions::id))
        .select(Exhibition::as_select())
        .load(conn)?)
}

pub fn exhibition(conn: &mut DbConnection, id: &str) -> AppResult<Exhibition> {
    exhibitions::table
        .find(id)
        .select(Exhibition::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ExhibitionInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub requirements: String,
}

/// Adds an exhibition to the catalogue (editors, the regional team).
pub fn create_exhibition(
    conn: &mut DbConnection,
    user: &CurrentUser,
    input: &ExhibitionInput,
) -> AppResult<Result<String, Vec<String>>> {
    if !allows(user, &Action::ManageExhibitions) {
        return Err(AppError::forbidden());
    }
    let mut errors = Vec::new();
    if input.title.trim().is_empty() {
        errors.push("Indiquez le titre de l’exposition.".to_owned());
    }
    if input.description.trim().is_empty() {
        errors.push("Décrivez l’exposition en quelques lignes.".to_owned());
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let id = new_id();
    diesel::insert_into(exhibitions::table)
        .values((
            exhibitions::id.eq(&id),
            exhibitions::title.eq(input.title.trim()),
            exhibitions::description.eq(input.description.trim()),
            exhibitions::requirements.eq(input.requirements.trim()),
            exhibitions::created_at.eq(now()),
            exhibitions::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(Ok(id))
}

/// A booking with the site that holds it.
#[derive(Clone, Debug, Queryable, Serialize, utoipa::ToSchema)]
pub struct Booking {
    pub id: String,
    pub site_id: String,
    pub site: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub transport_days_before: i32,
    pub transport_days_after: i32,
}

impl Booking {
    /// First day the exhibition leaves (transport included).
    pub fn away_from(&self) -> NaiveDate {
        self.starts_on - Duration::days(i64::from(self.transport_days_before))
    }
    /// Last day before it is back (transport included).
    pub fn away_to(&self) -> NaiveDate {
        self.ends_on + Duration::days(i64::from(self.transport_days_after))
    }
    pub fn period_fr(&self) -> String {
        format!(
            "du {} au {}",
            crate::web::date_fr(&self.starts_on),
            crate::web::date_fr(&self.ends_on)
        )
    }
    pub fn away_fr(&self) -> String {
        format!(
            "du {} au {}",
            crate::web::date_fr(&self.away_from()),
            crate::web::date_fr(&self.away_to())
        )
    }
}

/// An exhibition's bookings ending on or after a day, soonest first.
pub fn bookings(
    conn: &mut DbConnection,
    exhibition_id: &str,
    from: NaiveDate,
) -> AppResult<Vec<Booking>> {
    Ok(exhibition_bookings::table
        .inner_join(sites::table)
        .filter(exhibition_bookings::exhibition_id.eq(exhibition_id))
        .filter(exhibition_bookings::ends_on.ge(from - Duration::days(8)))
        .order((exhibition_bookings::starts_on, exhibition_bookings::id))
        .select((
            exhibition_bookings::id,
            exhibition_bookings::site_id,
            sites::name,
            exhibition_bookings::starts_on,
            exhibition_bookings::ends_on,
            exhibition_bookings::transport_days_before,
            exhibition_bookings::transport_days_after,
        ))
        .load(conn)?)
}

/// Cancels a booking of a site the person books for, before the exhibition leaves for it
/// (transport included): its days become free for other sites.
pub fn cancel_booking(
    conn: &mut DbConnection,
    user: &CurrentUser,
    exhibition_id: &str,
    booking_id: &str,
    today: NaiveDate,
) -> AppResult<()> {
    let booking = bookings(conn, exhibition_id, today)?
        .into_iter()
        .find(|b| b.id == booking_id)
        .ok_or_else(AppError::not_found)?;
    let host_id: String = sites::table
        .find(&booking.site_id)
        .select(sites::host_id)
        .first(conn)?;
    if !allows(user, &Action::BookExhibition { host_id: &host_id }) {
        return Err(AppError::not_found());
    }
    if booking.away_from() <= today {
        return Err(AppError::conflict(
            "Cette réservation a commencé (jours de transport compris) : elle ne peut plus être annulée.",
        ));
    }
    diesel::delete(
        exhibition_booked_days::table.filter(exhibition_booked_days::booking_id.eq(&booking.id)),
    )
    .execute(conn)?;
    diesel::delete(exhibition_bookings::table.find(&booking.id)).execute(conn)?;
    crate::auth::audit::record(
        conn,
        crate::auth::audit::Event::by(user, "exhibition.booking_cancelled")
            .on("exhibition_booking", &booking.id),
    )?;
    Ok(())
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct BookingInput {
    /// The site that hosts the exhibition.
    #[serde(default)]
    pub site_id: String,
    /// First day shown to the public (JJ/MM/AAAA or AAAA-MM-JJ).
    #[serde(default)]
    pub starts_on: String,
    /// Last day shown to the public.
    #[serde(default)]
    pub ends_on: String,
    /// Transport days before the first day (default 1).
    #[serde(default)]
    pub transport_days_before: String,
    /// Transport days after the last day (default 1).
    #[serde(default)]
    pub transport_days_after: String,
}

fn transport_days(text: &str, errors: &mut Vec<String>) -> i32 {
    match text.trim() {
        "" => 1,
        t => match t.parse::<i32>() {
            Ok(n) if (0..=MAX_TRANSPORT_DAYS).contains(&n) => n,
            _ => {
                errors.push(format!(
                    "Les jours de transport sont un nombre entre 0 et {MAX_TRANSPORT_DAYS}."
                ));
                1
            }
        },
    }
}

/// Books an exhibition for a site. Overlaps (transport days included) are impossible: each
/// day away is a row of `exhibition_booked_days`, whose primary key (exhibition, day) the
/// database enforces; the first statement locks the exhibition so concurrent bookings queue
/// and the loser gets a clear 409.
pub fn book(
    conn: &mut DbConnection,
    user: &CurrentUser,
    exhibition_id: &str,
    input: &BookingInput,
    today: NaiveDate,
) -> AppResult<Result<String, Vec<String>>> {
    let locked = diesel::update(exhibitions::table.find(exhibition_id))
        .set(exhibitions::updated_at.eq(now()))
        .execute(conn)?;
    if locked == 0 {
        return Err(AppError::not_found());
    }
    let exhibition = exhibition(conn, exhibition_id)?;
    let mut errors = Vec::new();
    let site = sites::table
        .find(input.site_id.trim())
        .select(Site::as_select())
        .first(conn)
        .optional()?;
    match &site {
        Some(site)
            if allows(
                user,
                &Action::BookExhibition {
                    host_id: &site.host_id,
                },
            ) => {}
        Some(_) => return Err(AppError::not_found()),
        None => errors.push("Choisissez le site qui accueille l’exposition.".to_owned()),
    }
    let start = read_date_fr(
        &input.starts_on,
        "La date de début s’écrit JJ/MM/AAAA.",
        &mut errors,
    );
    let end = read_date_fr(
        &input.ends_on,
        "La date de fin s’écrit JJ/MM/AAAA.",
        &mut errors,
    );
    let before = transport_days(&input.transport_days_before, &mut errors);
    let after = transport_days(&input.transport_days_after, &mut errors);
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            errors.push("La date de fin doit suivre la date de début.".to_owned());
        } else if (e - s).num_days() >= MAX_BOOKING_DAYS {
            errors.push(format!(
                "Une réservation dure au plus {MAX_BOOKING_DAYS} jours."
            ));
        }
        if s - Duration::days(i64::from(before)) < today {
            errors.push(
                "La période (transport compris) ne peut pas commencer dans le passé.".to_owned(),
            );
        }
    }
    let (Some(site), Some(start), Some(end), true) = (site, start, end, errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let away_from = start - Duration::days(i64::from(before));
    let away_to = end + Duration::days(i64::from(after));
    let clash: Option<String> = exhibition_booked_days::table
        .inner_join(
            exhibition_bookings::table
                .on(exhibition_bookings::id.eq(exhibition_booked_days::booking_id)),
        )
        .inner_join(sites::table.on(sites::id.eq(exhibition_bookings::site_id)))
        .filter(exhibition_booked_days::exhibition_id.eq(exhibition_id))
        .filter(exhibition_booked_days::day.between(away_from, away_to))
        .select(sites::name)
        .first(conn)
        .optional()?;
    let conflict = |holder: Option<&str>| {
        AppError::conflict(format!(
            "L’exposition « {} » n’est pas disponible du {} au {} (jours de transport compris){} : choisissez une autre période.",
            exhibition.title,
            crate::web::date_fr(&away_from),
            crate::web::date_fr(&away_to),
            holder
                .map(|h| format!(", elle est réservée par {h} sur une partie de ces jours"))
                .unwrap_or_default()
        ))
    };
    if let Some(holder) = clash {
        return Err(conflict(Some(&holder)));
    }
    let id = new_id();
    diesel::insert_into(exhibition_bookings::table)
        .values((
            exhibition_bookings::id.eq(&id),
            exhibition_bookings::exhibition_id.eq(exhibition_id),
            exhibition_bookings::site_id.eq(&site.id),
            exhibition_bookings::starts_on.eq(start),
            exhibition_bookings::ends_on.eq(end),
            exhibition_bookings::transport_days_before.eq(before),
            exhibition_bookings::transport_days_after.eq(after),
            exhibition_bookings::booked_by.eq(&user.id),
            exhibition_bookings::created_at.eq(now()),
        ))
        .execute(conn)?;
    let mut day = away_from;
    while day <= away_to {
        let inserted = diesel::insert_into(exhibition_booked_days::table)
            .values((
                exhibition_booked_days::exhibition_id.eq(exhibition_id),
                exhibition_booked_days::day.eq(day),
                exhibition_booked_days::booking_id.eq(&id),
            ))
            .execute(conn);
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Err(conflict(None)),
            Err(e) => return Err(e.into()),
        }
        day += Duration::days(1);
    }
    crate::auth::audit::record(
        conn,
        crate::auth::audit::Event::by(user, "exhibition.booked").on("exhibition_booking", &id),
    )?;
    Ok(Ok(id))
}

/// The retention of the registrations to the spaces' events (`retention_settings`).
pub const RETENTION: &str = "event_registrations";

/// Erases the registrations (names and addresses) to events that took place more than `days`
/// before `at`; the event keeps its number of registered people. Returns how many.
pub fn purge_registrations(
    conn: &mut DbConnection,
    at: NaiveDateTime,
    days: i64,
) -> AppResult<usize> {
    let limit = at - Duration::days(days);
    let past = site_events::table
        .filter(site_events::starts_at.lt(limit))
        .select(site_events::id);
    Ok(diesel::delete(
        site_event_registrations::table.filter(site_event_registrations::event_id.eq_any(past)),
    )
    .execute(conn)?)
}
