//! Needs published by schools (and Espaces Métiers) for a group: a class, a level, a period,
//! a place and how far around it, the trades of interest. Companies and branches that may
//! see a need (the policy decides, from whether it is within their reach and whether its
//! trades are theirs) answer with a proposal; the school accepts one, which becomes a
//! confirmed request (an action made for that class, accepted, with its date) that both
//! sides then follow like any other request.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::service::{ActionKind, Level, RequestStatus};
use crate::auth::CurrentUser;
use crate::auth::policy::{Action, DiscoveryNeedRef, allows, authorize};
use crate::auth::store::staff_emails;
use crate::db::{DbConnection, is_unique_violation, new_id, now, schema::*};
use crate::error::{AppError, AppResult};
use crate::string_enum;
use crate::types::Role;
use crate::web::{date_fr, parse_date_fr, read_date_fr};

string_enum! {
    /// Where a need stands.
    NeedStatus {
        Open => "open", "En attente de propositions";
        Matched => "matched", "Action trouvée";
        Closed => "closed", "Retiré";
    }
}

string_enum! {
    /// Where a proposal stands.
    ProposalStatus {
        Proposed => "proposed", "Proposée";
        Accepted => "accepted", "Acceptée";
        Declined => "declined", "Non retenue";
        Superseded => "superseded", "Une autre proposition a été retenue";
    }
}

/// How far around its place a need reaches by default, in km.
pub const DEFAULT_RADIUS_KM: i32 = 30;

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = discovery_needs)]
pub struct DiscoveryNeed {
    pub id: String,
    pub school_id: String,
    #[serde(skip)]
    pub teacher_id: Option<String>,
    pub class_name: String,
    pub level: String,
    pub group_size: i32,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub commune_insee: String,
    #[serde(skip)]
    pub lat: Option<f64>,
    #[serde(skip)]
    pub lon: Option<f64>,
    pub radius_km: i32,
    /// ROME codes between spaces; blank when every trade is welcome.
    pub rome_codes: String,
    pub message: String,
    pub status: String,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

impl DiscoveryNeed {
    pub fn status_label(&self) -> &'static str {
        NeedStatus::parse(&self.status).map_or("", NeedStatus::label)
    }
    pub fn level_label(&self) -> &'static str {
        Level::parse(&self.level).map_or("", Level::label)
    }
    pub fn period_fr(&self) -> String {
        format!(
            "du {} au {}",
            date_fr(&self.period_from),
            date_fr(&self.period_to)
        )
    }
    pub fn romes(&self) -> Vec<&str> {
        self.rome_codes.split_whitespace().collect()
    }
    pub fn is_open(&self) -> bool {
        self.status == NeedStatus::Open.as_str()
    }
}

/// A need with the names people read and what the asker may do with it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct NeedRow {
    #[serde(flatten)]
    pub need: DiscoveryNeed,
    pub school: String,
    /// « Rennes (35000) ».
    pub commune: String,
    /// The trades' labels, in the order of their codes.
    pub occupations: Vec<String>,
    /// Distance from the asker's organisation, when both places are known.
    pub distance_km: Option<f64>,
    /// Proposals received so far.
    pub proposals: i64,
}

impl NeedRow {
    pub fn distance(&self) -> String {
        match self.distance_km {
            Some(d) => format!("{d:.0} km"),
            None => String::new(),
        }
    }
    pub fn occupations_fr(&self) -> String {
        if self.occupations.is_empty() {
            "Tous métiers".to_owned()
        } else {
            self.occupations.join(", ")
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct NeedInput {
    /// The class or group, e.g. « 3e B » or « 2de Bac pro Commerce ».
    #[serde(default)]
    pub class_name: String,
    /// college, lycee, post_bac or job_seekers.
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub group_size: String,
    /// First day of the period (JJ/MM/AAAA).
    #[serde(default)]
    pub period_from: String,
    /// Last day of the period (JJ/MM/AAAA).
    #[serde(default)]
    pub period_to: String,
    /// Where the group can go: commune name, postal code or INSEE code (the school's commune
    /// when empty).
    #[serde(default)]
    pub commune: String,
    /// How far around, in km (30 when empty).
    #[serde(default)]
    pub radius_km: String,
    /// ROME codes of the trades of interest, separated by spaces or commas (empty: any).
    #[serde(default)]
    pub rome_codes: String,
    #[serde(default)]
    pub message: String,
}

/// Parses ROME codes typed by people, checking each against the referential.
fn read_romes(
    conn: &mut DbConnection,
    input: &str,
    errors: &mut Vec<String>,
) -> AppResult<Vec<String>> {
    let mut romes = Vec::new();
    for code in input
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
    Ok(romes)
}

/// Where an organisation sits: its commune's position (if known) and its department.
type Place = (Option<(f64, f64)>, String);

/// The commune where an organisation sits: its position and its department.
fn org_place(conn: &mut DbConnection, org: &str) -> AppResult<Option<Place>> {
    let found: Option<(Option<f64>, Option<f64>, String)> = organisations::table
        .inner_join(
            communes::table.on(communes::insee_code
                .nullable()
                .eq(organisations::commune_insee)),
        )
        .filter(organisations::id.eq(org))
        .select((communes::lat, communes::lon, communes::department))
        .first(conn)
        .optional()?;
    Ok(found.map(|(lat, lon, dep)| (lat.zip(lon), dep)))
}

/// The trades of an organisation: the ROME codes of its discovery actions and of its offers.
pub fn trades_of(conn: &mut DbConnection, org: &str) -> AppResult<Vec<String>> {
    let mut out: Vec<String> = offers::table
        .filter(offers::company_id.eq(org))
        .select(offers::rome_code)
        .distinct()
        .load(conn)?;
    let actions: Vec<String> = discovery_actions::table
        .filter(discovery_actions::organisation_id.eq(org))
        .select(discovery_actions::rome_codes)
        .distinct()
        .load(conn)?;
    for codes in actions {
        for c in codes.split_whitespace() {
            if !out.iter().any(|o| o == c) {
                out.push(c.to_owned());
            }
        }
    }
    Ok(out)
}

/// What the asker's organisation is, for the policy: where it sits and its trades.
pub struct Asker {
    position: Option<(f64, f64)>,
    trades: Vec<String>,
}

impl Asker {
    pub fn of(conn: &mut DbConnection, user: &CurrentUser) -> AppResult<Asker> {
        let Some(org) = user.organisation_id.as_deref() else {
            return Ok(Asker {
                position: None,
                trades: Vec::new(),
            });
        };
        let position = org_place(conn, org)?.and_then(|(p, _)| p);
        let trades = if allows(user, &Action::OfferDiscoveryActions) {
            trades_of(conn, org)?
        } else {
            Vec::new()
        };
        Ok(Asker { position, trades })
    }

    fn distance(&self, need: &DiscoveryNeed) -> Option<f64> {
        self.position
            .zip(need.lat.zip(need.lon))
            .map(|(a, b)| crate::search::haversine_km(a, b))
    }

    /// The need as the policy reads it for this asker.
    pub fn reference(&self, need: &DiscoveryNeed, department: &str) -> DiscoveryNeedRef {
        let wanted = need.romes();
        DiscoveryNeedRef {
            school_id: need.school_id.clone(),
            department: department.to_owned(),
            within_reach: self
                .distance(need)
                .is_some_and(|d| d <= f64::from(need.radius_km)),
            trades_match: wanted.is_empty()
                || wanted.iter().any(|w| self.trades.iter().any(|t| t == w)),
        }
    }
}

/// Publishes a need for a group of the caller's school (or Espace Métiers).
pub fn publish(
    conn: &mut DbConnection,
    user: &CurrentUser,
    input: &NeedInput,
) -> AppResult<Result<String, Vec<String>>> {
    authorize(user, &Action::PublishDiscoveryNeed)?;
    let school = user
        .organisation_id
        .clone()
        .ok_or_else(AppError::forbidden)?;
    let mut errors = Vec::new();
    let class_name = input.class_name.trim();
    if class_name.is_empty() {
        errors.push("Indiquez la classe ou le groupe (par exemple « 3e B »).".to_owned());
    } else if class_name.chars().count() > 120 {
        errors.push("Le nom de la classe est limité à 120 caractères.".to_owned());
    }
    let level = Level::parse(input.level.trim());
    if level.is_none() {
        errors.push(
            "Choisissez le niveau (collège, lycée, post-bac, demandeurs d’emploi).".to_owned(),
        );
    }
    let size = match input.group_size.trim().parse::<i32>() {
        Ok(n) if (1..=500).contains(&n) => n,
        _ => {
            errors.push("La taille du groupe est un nombre entre 1 et 500.".to_owned());
            0
        }
    };
    let from = read_date_fr(
        &input.period_from,
        "Indiquez le début de la période (JJ/MM/AAAA).",
        &mut errors,
    );
    let to = read_date_fr(
        &input.period_to,
        "Indiquez la fin de la période (JJ/MM/AAAA).",
        &mut errors,
    );
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            errors.push("La fin de la période doit suivre son début.".to_owned());
        } else if t < crate::clock::today_paris() {
            errors.push("La période est déjà passée : choisissez des dates à venir.".to_owned());
        }
    }
    let commune = if input.commune.trim().is_empty() {
        let own: Option<String> = organisations::table
            .find(&school)
            .select(organisations::commune_insee)
            .first::<Option<String>>(conn)?;
        match own {
            Some(code) => crate::referential::store::commune(conn, &code)?,
            None => None,
        }
    } else {
        match crate::referential::store::resolve_commune(conn, &input.commune)? {
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
        }
    };
    if commune.is_none() && input.commune.trim().is_empty() {
        errors.push("Indiquez la commune où le groupe peut se rendre.".to_owned());
    }
    let radius = match input.radius_km.trim() {
        "" => DEFAULT_RADIUS_KM,
        r => match r.parse::<i32>() {
            Ok(n) if (1..=200).contains(&n) => n,
            _ => {
                errors.push("Le rayon est un nombre de kilomètres entre 1 et 200.".to_owned());
                0
            }
        },
    };
    let romes = read_romes(conn, &input.rome_codes, &mut errors)?;
    if input.message.chars().count() > 4000 {
        errors.push("Le message est limité à 4 000 caractères.".to_owned());
    }
    let (Some(level), Some(commune), Some(from), Some(to), true) =
        (level, commune, from, to, errors.is_empty())
    else {
        return Ok(Err(errors));
    };
    let id = new_id();
    diesel::insert_into(discovery_needs::table)
        .values((
            discovery_needs::id.eq(&id),
            discovery_needs::school_id.eq(&school),
            discovery_needs::teacher_id.eq(&user.id),
            discovery_needs::class_name.eq(class_name),
            discovery_needs::level.eq(level.as_str()),
            discovery_needs::group_size.eq(size),
            discovery_needs::period_from.eq(from),
            discovery_needs::period_to.eq(to),
            discovery_needs::commune_insee.eq(&commune.insee_code),
            discovery_needs::lat.eq(commune.lat),
            discovery_needs::lon.eq(commune.lon),
            discovery_needs::radius_km.eq(radius),
            discovery_needs::rome_codes.eq(format!(" {} ", romes.join(" "))),
            discovery_needs::message.eq(input.message.trim()),
            discovery_needs::status.eq(NeedStatus::Open.as_str()),
            discovery_needs::created_at.eq(now()),
            discovery_needs::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(Ok(id))
}

type Loaded = (DiscoveryNeed, String, String, String, String);

fn load_needs(conn: &mut DbConnection, filter: NeedsFilter<'_>) -> AppResult<Vec<Loaded>> {
    let mut query = discovery_needs::table
        .inner_join(organisations::table.on(organisations::id.eq(discovery_needs::school_id)))
        .inner_join(communes::table)
        .select((
            DiscoveryNeed::as_select(),
            organisations::name,
            communes::name,
            communes::postal_codes,
            communes::department,
        ))
        .order((discovery_needs::period_from, discovery_needs::id))
        .into_boxed();
    query = match filter {
        NeedsFilter::School(school) => {
            query.filter(discovery_needs::school_id.eq(school.to_owned()))
        }
        NeedsFilter::One(id) => query.filter(discovery_needs::id.eq(id.to_owned())),
        NeedsFilter::Open(departments) => {
            let q = query
                .filter(discovery_needs::status.eq(NeedStatus::Open.as_str()))
                .filter(discovery_needs::period_to.ge(crate::clock::today_paris()));
            match departments {
                Some(d) => q.filter(communes::department.eq_any(d.to_vec())),
                None => q,
            }
        }
    };
    Ok(query.load(conn)?)
}

enum NeedsFilter<'a> {
    School(&'a str),
    One(&'a str),
    /// Open needs still to come, in these departments when given.
    Open(Option<&'a [String]>),
}

fn to_row(
    conn: &mut DbConnection,
    asker: &Asker,
    (need, school, commune, postal, _): Loaded,
) -> AppResult<NeedRow> {
    let mut occupations = Vec::new();
    for code in need.romes() {
        occupations.push(
            crate::referential::store::occupation_label(conn, code)?
                .unwrap_or_else(|| code.to_owned()),
        );
    }
    let proposals: i64 = discovery_proposals::table
        .filter(discovery_proposals::need_id.eq(&need.id))
        .count()
        .get_result(conn)?;
    let postal = postal.split(' ').next().unwrap_or_default().to_owned();
    Ok(NeedRow {
        distance_km: asker.distance(&need),
        need,
        school,
        commune: format!("{commune} ({postal})"),
        occupations,
        proposals,
    })
}

/// The needs a person sees: a school its own (every state); companies and branches the open
/// needs the policy lets them see (within reach, matching trades); chambers' advisers the
/// open needs of their departments; the regional team every open need. Soonest first.
pub fn list(conn: &mut DbConnection, user: &CurrentUser) -> AppResult<Vec<NeedRow>> {
    let asker = Asker::of(conn, user)?;
    let loaded = if allows(user, &Action::PublishDiscoveryNeed) {
        let org = user.organisation_id.clone().unwrap_or_default();
        load_needs(conn, NeedsFilter::School(&org))?
    } else if user.role == Role::RegistrationOfficer {
        load_needs(conn, NeedsFilter::Open(Some(&user.departments)))?
    } else if allows(user, &Action::OfferDiscoveryActions) || user.role == Role::RegionalAdmin {
        load_needs(conn, NeedsFilter::Open(None))?
    } else {
        return Err(AppError::forbidden());
    };
    let mut out = Vec::new();
    for l in loaded {
        // The policy has the last word on each one.
        if allows(
            user,
            &Action::ViewDiscoveryNeed(&asker.reference(&l.0, &l.4)),
        ) {
            out.push(to_row(conn, &asker, l)?);
        }
    }
    Ok(out)
}

/// A proposal with the name of the organisation making it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ProposalRow {
    pub id: String,
    pub organisation_id: String,
    pub organisation: String,
    pub kind: String,
    pub proposed_date: NaiveDate,
    pub message: String,
    pub status: String,
    /// The confirmed request, once accepted.
    pub request_id: Option<String>,
}

impl ProposalRow {
    pub fn kind_label(&self) -> &'static str {
        ActionKind::parse(&self.kind).map_or("", ActionKind::label)
    }
    pub fn status_label(&self) -> &'static str {
        ProposalStatus::parse(&self.status).map_or("", ProposalStatus::label)
    }
    pub fn date_fr(&self) -> String {
        date_fr(&self.proposed_date)
    }
    pub fn is_proposed(&self) -> bool {
        self.status == ProposalStatus::Proposed.as_str()
    }
}

/// One need as its page shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct NeedDetail {
    #[serde(flatten)]
    pub row: NeedRow,
    /// Its school sees every proposal; a company its own only.
    pub proposals: Vec<ProposalRow>,
    /// The caller may make a proposal now.
    pub can_propose: bool,
    /// The caller may accept or decline proposals.
    pub can_decide: bool,
}

fn proposals_of(
    conn: &mut DbConnection,
    need_id: &str,
    only_org: Option<&str>,
) -> AppResult<Vec<ProposalRow>> {
    let mut query = discovery_proposals::table
        .inner_join(
            organisations::table.on(organisations::id.eq(discovery_proposals::organisation_id)),
        )
        .filter(discovery_proposals::need_id.eq(need_id))
        .select((
            discovery_proposals::id,
            discovery_proposals::organisation_id,
            organisations::name,
            discovery_proposals::kind,
            discovery_proposals::proposed_date,
            discovery_proposals::message,
            discovery_proposals::status,
            discovery_proposals::request_id,
        ))
        .order((discovery_proposals::created_at, discovery_proposals::id))
        .into_boxed();
    if let Some(org) = only_org {
        query = query.filter(discovery_proposals::organisation_id.eq(org.to_owned()));
    }
    type Columns = (
        String,
        String,
        String,
        String,
        NaiveDate,
        String,
        String,
        Option<String>,
    );
    let rows: Vec<Columns> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                organisation_id,
                organisation,
                kind,
                proposed_date,
                message,
                status,
                request_id,
            )| {
                ProposalRow {
                    id,
                    organisation_id,
                    organisation,
                    kind,
                    proposed_date,
                    message,
                    status,
                    request_id,
                }
            },
        )
        .collect())
}

/// A need the caller may see (another's answers 404), with the proposals they may see.
pub fn get(conn: &mut DbConnection, user: &CurrentUser, id: &str) -> AppResult<NeedDetail> {
    let asker = Asker::of(conn, user)?;
    let loaded = load_needs(conn, NeedsFilter::One(id))?
        .into_iter()
        .next()
        .ok_or_else(AppError::not_found)?;
    let reference = asker.reference(&loaded.0, &loaded.4);
    if !allows(user, &Action::ViewDiscoveryNeed(&reference)) {
        return Err(AppError::not_found());
    }
    let can_decide = allows(user, &Action::DecideDiscoveryProposals(&reference));
    let own_side = can_decide || user.role == Role::RegionalAdmin;
    let proposals = if own_side {
        proposals_of(conn, id, None)?
    } else {
        match user.organisation_id.as_deref() {
            Some(org) => proposals_of(conn, id, Some(org))?,
            None => Vec::new(),
        }
    };
    let row = to_row(conn, &asker, loaded)?;
    let can_propose = row.need.is_open()
        && allows(user, &Action::ProposeForDiscoveryNeed(&reference))
        && proposals.is_empty();
    Ok(NeedDetail {
        can_decide: can_decide && row.need.is_open(),
        row,
        proposals,
        can_propose,
    })
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ProposalInput {
    /// company_visit, class_talk, job_shadowing or workshop.
    #[serde(default)]
    pub kind: String,
    /// The date proposed, within the need's period (JJ/MM/AAAA).
    #[serde(default)]
    pub date: String,
    /// What the group will see and do, practical details.
    #[serde(default)]
    pub message: String,
}

/// A company or branch answers a need; the teacher who published it is mailed.
pub fn propose(
    conn: &mut DbConnection,
    user: &CurrentUser,
    need_id: &str,
    input: &ProposalInput,
    base_url: &str,
) -> AppResult<Result<String, Vec<String>>> {
    let detail = get(conn, user, need_id)?;
    let department: String = communes::table
        .find(&detail.row.need.commune_insee)
        .select(communes::department)
        .first(conn)?;
    let asker = Asker::of(conn, user)?;
    authorize(
        user,
        &Action::ProposeForDiscoveryNeed(&asker.reference(&detail.row.need, &department)),
    )?;
    let need = &detail.row.need;
    if !need.is_open() {
        return Err(AppError::conflict(format!(
            "Ce besoin n’attend plus de proposition : il est « {} ».",
            need.status_label().to_lowercase()
        )));
    }
    let org = user
        .organisation_id
        .clone()
        .ok_or_else(AppError::forbidden)?;
    let mut errors = Vec::new();
    let kind = ActionKind::parse(input.kind.trim());
    if kind.is_none() {
        errors.push("Choisissez le type d’action que vous proposez.".to_owned());
    }
    let date = match input.date.trim() {
        "" => {
            errors.push("Indiquez la date que vous proposez (JJ/MM/AAAA).".to_owned());
            None
        }
        d => match parse_date_fr(d) {
            Ok(d) if d < need.period_from || d > need.period_to => {
                errors.push(format!(
                    "La date proposée doit tomber dans la période demandée, {}.",
                    need.period_fr()
                ));
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(e.message("La date s’écrit JJ/MM/AAAA."));
                None
            }
        },
    };
    let message = input.message.trim();
    if message.is_empty() {
        errors.push("Décrivez ce que le groupe découvrira et l’organisation pratique.".to_owned());
    } else if message.chars().count() > 4000 {
        errors.push("Le message est limité à 4 000 caractères.".to_owned());
    }
    let (Some(kind), Some(date), true) = (kind, date, errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let id = new_id();
    match diesel::insert_into(discovery_proposals::table)
        .values((
            discovery_proposals::id.eq(&id),
            discovery_proposals::need_id.eq(need_id),
            discovery_proposals::organisation_id.eq(&org),
            discovery_proposals::proposed_by.eq(&user.id),
            discovery_proposals::kind.eq(kind.as_str()),
            discovery_proposals::proposed_date.eq(date),
            discovery_proposals::message.eq(message),
            discovery_proposals::status.eq(ProposalStatus::Proposed.as_str()),
            discovery_proposals::created_at.eq(now()),
            discovery_proposals::updated_at.eq(now()),
        ))
        .execute(conn)
    {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Ok(Err(vec![
                "Votre organisation a déjà fait une proposition pour ce besoin.".to_owned(),
            ]));
        }
        Err(e) => return Err(e.into()),
    }
    let company: String = organisations::table
        .find(&org)
        .select(organisations::name)
        .first(conn)?;
    for to in school_recipients(conn, need)? {
        let mail = super::mails::NeedProposal {
            company: &company,
            class_name: &need.class_name,
            kind: kind.label(),
            date: date_fr(&date),
            message,
            need_id,
            base_url,
        };
        crate::mail::enqueue(conn, &to, &mail)?;
    }
    Ok(Ok(id))
}

/// The teacher who published the need; the school's staff when they left.
fn school_recipients(conn: &mut DbConnection, need: &DiscoveryNeed) -> AppResult<Vec<String>> {
    if let Some(teacher) = &need.teacher_id {
        let own: Option<String> = users::table
            .find(teacher)
            .filter(users::status.eq("active"))
            .select(users::email)
            .first(conn)
            .optional()?;
        if let Some(own) = own {
            return Ok(vec![own]);
        }
    }
    staff_emails(
        conn,
        &need.school_id,
        &[Role::Teacher, Role::SiteCoordinator],
    )
}

/// The school accepts a proposal (it becomes a confirmed request, the other proposals are
/// set aside, the need is matched) or declines it; the company is mailed either way.
/// Answers the confirmed request's id when accepted.
pub fn decide(
    conn: &mut DbConnection,
    user: &CurrentUser,
    proposal_id: &str,
    accept: bool,
    base_url: &str,
) -> AppResult<Option<String>> {
    let found: Option<(String, String, String, NaiveDate, String, String)> =
        discovery_proposals::table
            .find(proposal_id)
            .select((
                discovery_proposals::need_id,
                discovery_proposals::organisation_id,
                discovery_proposals::kind,
                discovery_proposals::proposed_date,
                discovery_proposals::message,
                discovery_proposals::status,
            ))
            .first(conn)
            .optional()?;
    let (need_id, company_id, kind, date, message, status) =
        found.ok_or_else(AppError::not_found)?;
    let detail = get(conn, user, &need_id)?;
    let department: String = communes::table
        .find(&detail.row.need.commune_insee)
        .select(communes::department)
        .first(conn)?;
    let asker = Asker::of(conn, user)?;
    if !allows(
        user,
        &Action::DecideDiscoveryProposals(&asker.reference(&detail.row.need, &department)),
    ) {
        return Err(AppError::not_found());
    }
    let need = &detail.row.need;
    if status != ProposalStatus::Proposed.as_str() || !need.is_open() {
        return Err(AppError::conflict(
            "Cette proposition a déjà reçu une réponse, ou le besoin est déjà pourvu.",
        ));
    }
    let mut request_id = None;
    if accept {
        let kind_enum = ActionKind::parse(&kind).unwrap_or(ActionKind::CompanyVisit);
        let action_id = new_id();
        diesel::insert_into(discovery_actions::table)
            .values((
                discovery_actions::id.eq(&action_id),
                discovery_actions::organisation_id.eq(&company_id),
                discovery_actions::kind.eq(&kind),
                discovery_actions::title.eq(format!("{} – {}", kind_enum.label(), need.class_name)),
                discovery_actions::description.eq(&message),
                discovery_actions::rome_codes.eq(&need.rome_codes),
                discovery_actions::levels.eq(format!(" {} ", need.level)),
                discovery_actions::capacity.eq(need.group_size),
                discovery_actions::commune_insee.eq(&need.commune_insee),
                discovery_actions::lat.eq(need.lat),
                discovery_actions::lon.eq(need.lon),
                discovery_actions::on_request.eq(false),
                discovery_actions::starts_on.eq(Some(date)),
                discovery_actions::ends_on.eq(Some(date)),
                discovery_actions::search_terms.eq("  "),
                // Made for this class: not offered to others in the search.
                discovery_actions::active.eq(false),
                discovery_actions::created_at.eq(now()),
                discovery_actions::updated_at.eq(now()),
            ))
            .execute(conn)?;
        let rid = new_id();
        diesel::insert_into(discovery_requests::table)
            .values((
                discovery_requests::id.eq(&rid),
                discovery_requests::action_id.eq(&action_id),
                discovery_requests::company_id.eq(&company_id),
                discovery_requests::school_id.eq(&need.school_id),
                discovery_requests::teacher_id.eq(&need.teacher_id),
                discovery_requests::group_size.eq(need.group_size),
                discovery_requests::wished_dates.eq(need.period_fr()),
                discovery_requests::message.eq(&need.message),
                discovery_requests::status.eq(RequestStatus::Accepted.as_str()),
                discovery_requests::proposed_date.eq(Some(date)),
                discovery_requests::created_at.eq(now()),
                discovery_requests::updated_at.eq(now()),
            ))
            .execute(conn)?;
        diesel::update(
            discovery_proposals::table
                .filter(discovery_proposals::need_id.eq(&need_id))
                .filter(discovery_proposals::status.eq(ProposalStatus::Proposed.as_str()))
                .filter(discovery_proposals::id.ne(proposal_id)),
        )
        .set((
            discovery_proposals::status.eq(ProposalStatus::Superseded.as_str()),
            discovery_proposals::updated_at.eq(now()),
        ))
        .execute(conn)?;
        let updated = diesel::update(
            discovery_needs::table
                .filter(discovery_needs::id.eq(&need_id))
                .filter(discovery_needs::status.eq(NeedStatus::Open.as_str())),
        )
        .set((
            discovery_needs::status.eq(NeedStatus::Matched.as_str()),
            discovery_needs::updated_at.eq(now()),
        ))
        .execute(conn)?;
        if updated == 0 {
            return Err(AppError::conflict(
                "Le besoin vient d’être modifié par ailleurs : rechargez la page.",
            ));
        }
        request_id = Some(rid);
    }
    diesel::update(discovery_proposals::table.find(proposal_id))
        .set((
            discovery_proposals::status.eq(if accept {
                ProposalStatus::Accepted.as_str()
            } else {
                ProposalStatus::Declined.as_str()
            }),
            discovery_proposals::request_id.eq(&request_id),
            discovery_proposals::updated_at.eq(now()),
        ))
        .execute(conn)?;
    for to in staff_emails(
        conn,
        &company_id,
        &[Role::Recruiter, Role::PartnerResponder],
    )? {
        let mail = super::mails::ProposalDecided {
            school: &detail.row.school,
            class_name: &need.class_name,
            accepted: accept,
            date: date_fr(&date),
            request_id: request_id.as_deref().unwrap_or_default(),
            base_url,
        };
        crate::mail::enqueue(conn, &to, &mail)?;
    }
    Ok(request_id)
}
