//! Rules of the partner directory and governance: who sees which fields, the checklist and
//! its late steps, charter signatures and the "sign again" flag, renewals and the daily
//! reminder digest to the regional team.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::model::{CharterStatus, Step, euros, parse_euros};
use super::store::{self, CharterVersion, Contact, Profile, Renewal, Signature, StepRecord};
use crate::auth::CurrentUser;
use crate::auth::audit::{self, Event};
use crate::auth::policy::{Action, OrgRef, allows, authorize};
use crate::db::{DbConnection, schema::*};
use crate::error::{AppError, AppResult};
use crate::organisations::store::{self as orgs, Organisation};
use crate::types::{EmailAddress, OrgKind, OrgStatus, Role, UserStatus};
use crate::web::read_date_fr;

/// Days before a tacit renewal when it shows as due (and goes in the digest).
pub const RENEWAL_NOTICE_DAYS: i64 = 30;

/// The public contact, as the directory shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PublicContact {
    pub name: String,
    pub function: String,
    pub email: String,
    pub phone: Option<String>,
}

/// What anyone may see of a partner.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PublicCard {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub kind_label: String,
    pub network: Option<String>,
    /// Departments the partner covers.
    pub departments: Vec<String>,
    pub platform_role: String,
    pub website: Option<String>,
    pub description: String,
    pub public_contact: Option<PublicContact>,
}

/// What only the partner's own staff and the regional team see.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RestrictedCard {
    pub siret: Option<String>,
    pub listed: bool,
    pub contacts: Vec<Contact>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CardView {
    #[serde(flatten)]
    pub public: PublicCard,
    /// Absent for visitors and other partners.
    pub restricted: Option<RestrictedCard>,
}

fn public_card(
    org: &Organisation,
    profile: &Profile,
    departments: Vec<String>,
    contacts: &[Contact],
) -> PublicCard {
    PublicCard {
        id: org.id.clone(),
        name: org.name.clone(),
        kind: org.kind.clone(),
        kind_label: org.kind_label().to_owned(),
        network: org.network.clone(),
        departments,
        platform_role: profile.platform_role.clone(),
        website: profile.website.clone(),
        description: profile.description.clone(),
        public_contact: contacts
            .iter()
            .find(|c| c.is_public)
            .map(|c| PublicContact {
                name: c.name.clone(),
                function: c.function.clone(),
                email: c.email.clone(),
                phone: c.phone.clone(),
            }),
    }
}

/// A partner as the policy sees it, or 404 when the organisation is not a partner.
pub fn partner(
    conn: &mut DbConnection,
    org_id: &str,
) -> AppResult<(Organisation, Profile, OrgRef)> {
    let profile = store::profile(conn, org_id)?.ok_or_else(AppError::not_found)?;
    let org = orgs::get(conn, org_id)?;
    let reference = orgs::policy_ref(conn, &org)?;
    Ok((org, profile, reference))
}

fn in_directory(org: &Organisation, profile: &Profile) -> bool {
    profile.listed && org.status == OrgStatus::Active.as_str()
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct DirectoryFilter {
    /// Kind of organisation (training_centre, chamber, employment_agency, …).
    #[serde(default, rename = "type")]
    pub kind: String,
    /// A department code (22, 29, 35, 56).
    #[serde(default)]
    pub departement: String,
}

/// The public directory: public fields of the active, listed partners.
pub fn directory(conn: &mut DbConnection, filter: &DirectoryFilter) -> AppResult<Vec<PublicCard>> {
    let mut cards = Vec::new();
    for profile in store::profiles(conn)? {
        let org = orgs::get(conn, &profile.organisation_id)?;
        if !in_directory(&org, &profile) || (!filter.kind.is_empty() && org.kind != filter.kind) {
            continue;
        }
        let departments = orgs::departments(conn, &org.id)?;
        if !filter.departement.is_empty() && !departments.contains(&filter.departement) {
            continue;
        }
        let contacts = store::contacts(conn, &org.id)?;
        cards.push(public_card(&org, &profile, departments, &contacts));
    }
    cards.sort_by_key(|c| crate::types::fold(&c.name));
    Ok(cards)
}

/// One partner's card: public fields for everyone (when listed), restricted fields for its
/// own staff and the regional team; 404 otherwise.
pub fn card(
    conn: &mut DbConnection,
    viewer: Option<&CurrentUser>,
    org_id: &str,
) -> AppResult<CardView> {
    let (org, profile, reference) = partner(conn, org_id)?;
    let restricted_allowed =
        viewer.is_some_and(|u| allows(u, &Action::ViewPartnerRestricted(&reference)));
    if !restricted_allowed && !in_directory(&org, &profile) {
        return Err(AppError::not_found());
    }
    let contacts = store::contacts(conn, &org.id)?;
    let public = public_card(&org, &profile, reference.departments.clone(), &contacts);
    Ok(CardView {
        public,
        restricted: restricted_allowed.then(|| RestrictedCard {
            siret: org.siret.clone(),
            listed: profile.listed,
            contacts,
        }),
    })
}

/// Another partner's governance data answers 404; a partner's own staff may read, not act.
fn require_view(me: &CurrentUser, reference: &OrgRef) -> AppResult<()> {
    if allows(me, &Action::ViewPartnerRestricted(reference)) {
        Ok(())
    } else {
        Err(AppError::not_found())
    }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ChecklistItem {
    pub step: String,
    pub label: String,
    /// Day by which it should be done.
    pub target_on: NaiveDate,
    pub late: bool,
    pub done: Option<StepRecord>,
    /// Identifier of the import profile agreed with the gateway specification.
    pub import_profile: Option<String>,
}

impl ChecklistItem {
    pub fn target_fr(&self) -> String {
        crate::web::date_fr(&self.target_on)
    }
    pub fn done_fr(&self) -> String {
        self.done
            .as_ref()
            .map(|d| crate::web::date_fr(&d.done_on))
            .unwrap_or_default()
    }
}

fn checklist(
    records: &[StepRecord],
    started_on: NaiveDate,
    today: NaiveDate,
    profiles: &HashMap<String, String>,
) -> Vec<ChecklistItem> {
    Step::ALL
        .iter()
        .map(|step| {
            let done = records.iter().find(|r| r.step == step.as_str()).cloned();
            let target_on = step.target_on(started_on);
            ChecklistItem {
                step: step.as_str().to_owned(),
                label: step.label().to_owned(),
                target_on,
                late: done.is_none() && today > target_on,
                import_profile: done
                    .as_ref()
                    .and_then(|d| d.import_profile_id.as_ref())
                    .and_then(|id| profiles.get(id).cloned()),
                done,
            }
        })
        .collect()
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SignatureView {
    pub version_number: i32,
    pub version_title: String,
    pub signed_by: String,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub signed_at: NaiveDateTime,
}

impl SignatureView {
    pub fn at_fr(&self) -> String {
        crate::web::datetime_fr(&self.signed_at)
    }
}

fn charter_status(signed_numbers: &[i32], current: Option<&CharterVersion>) -> CharterStatus {
    match (current, signed_numbers.iter().max()) {
        (None, _) => CharterStatus::NoCharter,
        (Some(_), None) => CharterStatus::Unsigned,
        (Some(c), Some(last)) if *last < c.number => CharterStatus::Resign,
        _ => CharterStatus::Signed,
    }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RenewalView {
    #[serde(flatten)]
    pub renewal: Renewal,
    /// The tacit renewal falls within the next 30 days.
    pub due_soon: bool,
    /// The contribution is unpaid after its due date.
    pub unpaid_late: bool,
}

impl RenewalView {
    fn new(renewal: Renewal, today: NaiveDate) -> Self {
        let due_soon = renewal.renewal_on >= today
            && renewal.renewal_on <= today + chrono::Duration::days(RENEWAL_NOTICE_DAYS);
        let unpaid_late = renewal.paid_on.is_none() && renewal.due_on < today;
        Self {
            renewal,
            due_soon,
            unpaid_late,
        }
    }
    pub fn renewal_fr(&self) -> String {
        crate::web::date_fr(&self.renewal.renewal_on)
    }
    pub fn requested_fr(&self) -> String {
        format!(
            "{} (demandée le {}, à payer avant le {})",
            euros(self.renewal.requested_cents),
            crate::web::date_fr(&self.renewal.requested_on),
            crate::web::date_fr(&self.renewal.due_on)
        )
    }
    pub fn paid_fr(&self) -> String {
        match (self.renewal.paid_cents, self.renewal.paid_on) {
            (Some(c), Some(d)) => format!("{} le {}", euros(c), crate::web::date_fr(&d)),
            _ => "non payée".to_owned(),
        }
    }
}

/// Everything the governance page and "Ma convention" show of one partner.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Governance {
    pub partner: PublicCard,
    pub onboarding_started_on: NaiveDate,
    pub checklist: Vec<ChecklistItem>,
    pub steps_done: usize,
    pub charter_status: CharterStatus,
    pub current_charter: Option<CharterVersion>,
    pub signatures: Vec<SignatureView>,
    pub renewals: Vec<RenewalView>,
}

impl Governance {
    pub fn charter_label(&self) -> &'static str {
        self.charter_status.label()
    }
    pub fn must_sign(&self) -> bool {
        matches!(
            self.charter_status,
            CharterStatus::Unsigned | CharterStatus::Resign
        )
    }
    pub fn started_fr(&self) -> String {
        crate::web::date_fr(&self.onboarding_started_on)
    }
}

fn user_names(conn: &mut DbConnection, ids: &[String]) -> AppResult<HashMap<String, String>> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::first_name, users::last_name))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, f, l)| (id, format!("{f} {l}")))
        .collect())
}

pub fn governance(
    conn: &mut DbConnection,
    me: &CurrentUser,
    org_id: &str,
    today: NaiveDate,
) -> AppResult<Governance> {
    let (org, profile, reference) = partner(conn, org_id)?;
    require_view(me, &reference)?;
    let contacts = store::contacts(conn, org_id)?;
    let import_profiles: HashMap<String, String> =
        crate::imports::service::profiles_of(conn, org_id)?
            .into_iter()
            .map(|p| (p.id, p.identifier))
            .collect();
    let records = store::steps(conn, org_id)?;
    let checklist = checklist(
        &records,
        profile.onboarding_started_on,
        today,
        &import_profiles,
    );
    let versions: HashMap<String, CharterVersion> = store::charter_versions(conn)?
        .into_iter()
        .map(|v| (v.id.clone(), v))
        .collect();
    let signatures = store::signatures_of(conn, org_id)?;
    let names = user_names(
        conn,
        &signatures
            .iter()
            .map(|s| s.user_id.clone())
            .collect::<Vec<_>>(),
    )?;
    let current = store::current_charter(conn, today)?;
    let signed_numbers: Vec<i32> = signatures
        .iter()
        .filter_map(|s| versions.get(&s.version_id))
        .map(|v| v.number)
        .collect();
    Ok(Governance {
        partner: public_card(&org, &profile, reference.departments.clone(), &contacts),
        onboarding_started_on: profile.onboarding_started_on,
        steps_done: checklist.iter().filter(|c| c.done.is_some()).count(),
        checklist,
        charter_status: charter_status(&signed_numbers, current.as_ref()),
        current_charter: current,
        signatures: signatures
            .iter()
            .filter_map(|s| {
                let v = versions.get(&s.version_id)?;
                Some(SignatureView {
                    version_number: v.number,
                    version_title: v.title.clone(),
                    signed_by: names.get(&s.user_id).cloned().unwrap_or_default(),
                    signed_at: s.signed_at,
                })
            })
            .collect(),
        renewals: store::renewals_of(conn, org_id)?
            .into_iter()
            .map(|r| RenewalView::new(r, today))
            .collect(),
    })
}

/// One line of the regional administrator's list of partners.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PartnerRow)]
pub struct Row {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub kind_label: String,
    pub departments: Vec<String>,
    pub listed: bool,
    pub steps_done: usize,
    pub steps_total: usize,
    /// Labels of the steps past their target day.
    pub late_steps: Vec<String>,
    pub charter_status: CharterStatus,
    pub next_renewal_on: Option<NaiveDate>,
    pub renewal_due_soon: bool,
    pub contribution_unpaid: bool,
}

impl Row {
    pub fn charter_label(&self) -> &'static str {
        self.charter_status.label()
    }
    pub fn resign(&self) -> bool {
        self.charter_status == CharterStatus::Resign
    }
    pub fn renewal_fr(&self) -> String {
        self.next_renewal_on
            .map(|d| crate::web::date_fr(&d))
            .unwrap_or_default()
    }
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct AdminFilter {
    /// Kind of organisation.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// A department code.
    #[serde(default)]
    pub departement: String,
    /// `oui`: only partners with a late onboarding step.
    #[serde(default)]
    pub retard: String,
}

/// The partners with their onboarding progress and renewal status (regional team).
pub fn admin_rows(
    conn: &mut DbConnection,
    me: &CurrentUser,
    filter: &AdminFilter,
    today: NaiveDate,
) -> AppResult<Vec<Row>> {
    authorize(me, &Action::ManagePartners)?;
    let current = store::current_charter(conn, today)?;
    let numbers: HashMap<String, i32> = store::charter_versions(conn)?
        .into_iter()
        .map(|v| (v.id, v.number))
        .collect();
    let mut signed: HashMap<String, Vec<i32>> = HashMap::new();
    for s in store::all_signatures(conn)? {
        if let Some(n) = numbers.get(&s.version_id) {
            signed.entry(s.organisation_id).or_default().push(*n);
        }
    }
    let mut steps: HashMap<String, Vec<StepRecord>> = HashMap::new();
    for r in store::all_steps(conn)? {
        steps.entry(r.organisation_id.clone()).or_default().push(r);
    }
    let mut renewals: HashMap<String, Vec<RenewalView>> = HashMap::new();
    for r in store::all_renewals(conn)? {
        renewals
            .entry(r.organisation_id.clone())
            .or_default()
            .push(RenewalView::new(r, today));
    }
    let mut rows = Vec::new();
    for profile in store::profiles(conn)? {
        let org = orgs::get(conn, &profile.organisation_id)?;
        if !filter.kind.is_empty() && org.kind != filter.kind {
            continue;
        }
        let departments = orgs::departments(conn, &org.id)?;
        if !filter.departement.is_empty() && !departments.contains(&filter.departement) {
            continue;
        }
        let items = checklist(
            steps.get(&org.id).map_or(&[][..], |v| v),
            profile.onboarding_started_on,
            today,
            &HashMap::new(),
        );
        let late_steps: Vec<String> = items
            .iter()
            .filter(|i| i.late)
            .map(|i| i.label.clone())
            .collect();
        if filter.retard == "oui" && late_steps.is_empty() {
            continue;
        }
        let own = renewals.remove(&org.id).unwrap_or_default();
        rows.push(Row {
            steps_done: items.iter().filter(|i| i.done.is_some()).count(),
            steps_total: items.len(),
            late_steps,
            charter_status: charter_status(
                signed.get(&org.id).map_or(&[][..], |v| v),
                current.as_ref(),
            ),
            next_renewal_on: own
                .iter()
                .map(|r| r.renewal.renewal_on)
                .filter(|d| *d >= today)
                .min(),
            renewal_due_soon: own.iter().any(|r| r.due_soon),
            contribution_unpaid: own.iter().any(|r| r.unpaid_late),
            id: org.id.clone(),
            kind_label: org.kind_label().to_owned(),
            kind: org.kind.clone(),
            name: org.name.clone(),
            departments,
            listed: profile.listed,
        });
    }
    rows.sort_by_key(|r| crate::types::fold(&r.name));
    Ok(rows)
}

/// Organisations that could become partners (not yet in the directory, not companies).
pub fn candidates_for_partnership(
    conn: &mut DbConnection,
    me: &CurrentUser,
) -> AppResult<Vec<Organisation>> {
    authorize(me, &Action::ManagePartners)?;
    let existing: Vec<String> = partner_profiles::table
        .select(partner_profiles::organisation_id)
        .load(conn)?;
    Ok(orgs::list(conn, None)?
        .into_iter()
        .filter(|o| {
            o.kind() != OrgKind::Company
                && o.kind() != OrgKind::Operator
                && !existing.contains(&o.id)
        })
        .collect())
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ProfileInput {
    /// Only when adding a partner: the organisation.
    #[serde(default)]
    pub organisation_id: String,
    #[serde(default)]
    pub platform_role: String,
    #[serde(default)]
    pub website: String,
    #[serde(default)]
    pub description: String,
    /// `oui` to show the partner in the public directory.
    #[serde(default)]
    pub listed: String,
    /// Start of the onboarding (JJ/MM/AAAA), when adding a partner; today by default.
    #[serde(default)]
    pub started_on: String,
}

fn check_website(website: &str, errors: &mut Vec<String>) -> Option<String> {
    let w = website.trim();
    if w.is_empty() {
        return None;
    }
    if !(w.starts_with("https://") || w.starts_with("http://"))
        || w.contains(char::is_whitespace)
        || w.len() > 300
    {
        errors.push(
            "Le site web est une adresse complète, par exemple https://www.exemple.fr.".into(),
        );
        return None;
    }
    Some(w.to_owned())
}

/// The regional team adds an organisation to the partners.
pub fn add_partner(
    conn: &mut DbConnection,
    me: &CurrentUser,
    input: &ProfileInput,
    today: NaiveDate,
) -> AppResult<Result<String, Vec<String>>> {
    authorize(me, &Action::ManagePartners)?;
    let mut errors = Vec::new();
    let org = match orgs::get(conn, input.organisation_id.trim()) {
        Ok(o) => Some(o),
        Err(_) => {
            errors.push("Choisissez l’organisation partenaire.".into());
            None
        }
    };
    if input.platform_role.trim().is_empty() {
        errors.push("Indiquez le rôle du partenaire dans la plateforme.".into());
    }
    let website = check_website(&input.website, &mut errors);
    let started_on = if input.started_on.trim().is_empty() {
        Some(today)
    } else {
        read_date_fr(
            &input.started_on,
            "La date de début s’écrit JJ/MM/AAAA.",
            &mut errors,
        )
    };
    let (Some(org), Some(started_on), true) = (org, started_on, errors.is_empty()) else {
        return Ok(Err(errors));
    };
    store::insert_profile(
        conn,
        &org.id,
        &store::ProfileFields {
            platform_role: input.platform_role.trim(),
            website: website.as_deref(),
            description: input.description.trim(),
            listed: input.listed == "oui",
        },
        started_on,
    )?;
    audit::record(
        conn,
        Event::by(me, "partner.added").on("organisation", &org.id),
    )?;
    Ok(Ok(org.id))
}

/// The partner's administrators edit its website and description; the regional team also
/// its role in the platform and whether it is listed.
pub fn update_card(
    conn: &mut DbConnection,
    me: &CurrentUser,
    org_id: &str,
    input: &ProfileInput,
) -> AppResult<Result<(), Vec<String>>> {
    let (_, profile, reference) = partner(conn, org_id)?;
    require_view(me, &reference)?;
    authorize(me, &Action::ManagePartnerCard(&reference))?;
    let regional = allows(me, &Action::ManagePartners);
    let mut errors = Vec::new();
    let website = check_website(&input.website, &mut errors);
    let role = if regional {
        input.platform_role.trim().to_owned()
    } else {
        profile.platform_role.clone()
    };
    if role.is_empty() {
        errors.push("Indiquez le rôle du partenaire dans la plateforme.".into());
    }
    if input.description.chars().count() > 4000 {
        errors.push("La présentation ne doit pas dépasser 4 000 caractères.".into());
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    store::update_profile(
        conn,
        org_id,
        &store::ProfileFields {
            platform_role: &role,
            website: website.as_deref(),
            description: input.description.trim(),
            listed: if regional {
                input.listed == "oui"
            } else {
                profile.listed
            },
        },
    )?;
    Ok(Ok(()))
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ContactInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub function: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
}

pub fn add_contact(
    conn: &mut DbConnection,
    me: &CurrentUser,
    org_id: &str,
    input: &ContactInput,
) -> AppResult<Result<String, Vec<String>>> {
    let (_, _, reference) = partner(conn, org_id)?;
    require_view(me, &reference)?;
    authorize(me, &Action::ManagePartnerCard(&reference))?;
    let mut errors = Vec::new();
    if input.name.trim().is_empty() {
        errors.push("Indiquez le nom du contact.".into());
    }
    if input.function.trim().is_empty() {
        errors.push("Indiquez la fonction du contact.".into());
    }
    let email = EmailAddress::parse(&input.email)
        .map_err(|e| errors.push(e.into()))
        .ok();
    let phone = input.phone.trim();
    if !phone.is_empty()
        && (phone.chars().filter(char::is_ascii_digit).count() < 10 || phone.len() > 30)
    {
        errors
            .push("Le téléphone comporte au moins 10 chiffres, par exemple 02 99 00 00 00.".into());
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let id = store::insert_contact(
        conn,
        org_id,
        &store::NewContact {
            name: input.name.trim(),
            function: input.function.trim(),
            email: email.as_str(),
            phone: Some(phone).filter(|p| !p.is_empty()),
        },
    )?;
    Ok(Ok(id))
}

pub fn make_contact_public(
    conn: &mut DbConnection,
    me: &CurrentUser,
    org_id: &str,
    contact_id: &str,
) -> AppResult<()> {
    let (_, _, reference) = partner(conn, org_id)?;
    require_view(me, &reference)?;
    authorize(me, &Action::ManagePartnerCard(&reference))?;
    if !store::set_public_contact(conn, org_id, contact_id)? {
        return Err(AppError::not_found());
    }
    Ok(())
}

pub fn remove_contact(
    conn: &mut DbConnection,
    me: &CurrentUser,
    org_id: &str,
    contact_id: &str,
) -> AppResult<()> {
    let (_, _, reference) = partner(conn, org_id)?;
    require_view(me, &reference)?;
    authorize(me, &Action::ManagePartnerCard(&reference))?;
    if !store::delete_contact(conn, org_id, contact_id)? {
        return Err(AppError::not_found());
    }
    Ok(())
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = PartnerStepInput)]
pub struct StepInput {
    /// first_meeting, steering_approval, charter_signed, accounts_created, data_spaces,
    /// gateway_spec, training_given, communication_kit.
    #[serde(default)]
    pub step: String,
    /// JJ/MM/AAAA or AAAA-MM-JJ.
    #[serde(default)]
    pub done_on: String,
    /// Who did it; the recorder by default.
    #[serde(default)]
    pub done_by: String,
    #[serde(default)]
    pub note: String,
    /// For gateway_spec: the id of the partner's import profile.
    #[serde(default)]
    pub import_profile_id: String,
}

/// The regional team records an onboarding step as done (dated, with who did it).
pub fn record_step(
    conn: &mut DbConnection,
    me: &CurrentUser,
    org_id: &str,
    input: &StepInput,
    today: NaiveDate,
) -> AppResult<Result<Step, Vec<String>>> {
    let (_, _, reference) = partner(conn, org_id)?;
    require_view(me, &reference)?;
    authorize(me, &Action::ManagePartners)?;
    let mut errors = Vec::new();
    let step = Step::parse(input.step.trim());
    if step.is_none() {
        errors.push("Étape inconnue.".into());
    }
    let done_on = read_date_fr(
        &input.done_on,
        "La date de l’étape s’écrit JJ/MM/AAAA.",
        &mut errors,
    );
    match done_on {
        Some(d) if d > today => {
            errors.push("La date de l’étape ne peut pas être dans le futur.".into())
        }
        _ => {}
    }
    let profile_id = input.import_profile_id.trim();
    let import_profile = if profile_id.is_empty() {
        None
    } else {
        match crate::imports::service::profile(conn, profile_id) {
            Ok(p) if p.organisation_id == org_id && step == Some(Step::GatewaySpec) => Some(p.id),
            _ => {
                errors
                    .push("Le profil d’import choisi n’est pas un profil de ce partenaire.".into());
                None
            }
        }
    };
    let (Some(step), Some(done_on), true) = (step, done_on, errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let done_by = match input.done_by.trim() {
        "" => me.full_name(),
        other => other.to_owned(),
    };
    store::record_step(
        conn,
        org_id,
        &store::NewStep {
            step: step.as_str(),
            done_on,
            done_by: &done_by,
            note: Some(input.note.trim()).filter(|n| !n.is_empty()),
            import_profile_id: import_profile.as_deref(),
            recorded_by: &me.id,
        },
    )?;
    audit::record(
        conn,
        Event::by(me, "partner.step_recorded")
            .on("organisation", org_id)
            .detail(step.as_str()),
    )?;
    Ok(Ok(step))
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CharterInput {
    #[serde(default)]
    pub title: String,
    /// Plain text or Markdown; shown as text, paragraphs kept.
    #[serde(default)]
    pub body: String,
    /// JJ/MM/AAAA; today by default.
    #[serde(default)]
    pub effective_on: String,
}

/// The regional team publishes a new charter version; every earlier one is kept.
pub fn publish_charter(
    conn: &mut DbConnection,
    me: &CurrentUser,
    input: &CharterInput,
    today: NaiveDate,
) -> AppResult<Result<i32, Vec<String>>> {
    authorize(me, &Action::ManagePartners)?;
    let mut errors = Vec::new();
    if input.title.trim().is_empty() {
        errors.push("Indiquez le titre de la charte.".into());
    }
    if input.body.trim().is_empty() {
        errors.push("Le texte de la charte est vide.".into());
    }
    if input.body.chars().count() > 50_000 {
        errors.push("Le texte de la charte ne doit pas dépasser 50 000 caractères.".into());
    }
    let effective_on = if input.effective_on.trim().is_empty() {
        Some(today)
    } else {
        read_date_fr(
            &input.effective_on,
            "La date d’entrée en vigueur s’écrit JJ/MM/AAAA.",
            &mut errors,
        )
    };
    let (Some(effective_on), true) = (effective_on, errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let number = store::publish_version(
        conn,
        &store::NewVersion {
            title: input.title.trim(),
            body: input.body.trim(),
            effective_on,
            published_by: &me.id,
        },
    )?;
    audit::record(
        conn,
        Event::by(me, "charter.published").detail(&number.to_string()),
    )?;
    Ok(Ok(number))
}

/// A partner's administrator signs the version in force for their organisation. The first
/// signature also ticks the checklist's "charter signed" step.
pub fn sign_charter(
    conn: &mut DbConnection,
    me: &CurrentUser,
    org_id: &str,
    today: NaiveDate,
) -> AppResult<i32> {
    let (org, _, reference) = partner(conn, org_id)?;
    require_view(me, &reference)?;
    authorize(me, &Action::SignCharter(&reference))?;
    let Some(current) = store::current_charter(conn, today)? else {
        return Err(AppError::conflict("Aucune charte n’est en vigueur."));
    };
    if !store::insert_signature(conn, &current.id, org_id, &me.id)? {
        return Err(AppError::conflict(format!(
            "{} a déjà signé la version {} de la charte.",
            org.name, current.number
        )));
    }
    if !store::step_done(conn, org_id, Step::CharterSigned.as_str())? {
        store::record_step(
            conn,
            org_id,
            &store::NewStep {
                step: Step::CharterSigned.as_str(),
                done_on: today,
                done_by: &format!("{} ({})", me.full_name(), org.name),
                note: Some(&format!("Version {} signée en ligne", current.number)),
                import_profile_id: None,
                recorded_by: &me.id,
            },
        )?;
    }
    audit::record(
        conn,
        Event::by(me, "charter.signed")
            .on("organisation", org_id)
            .detail(&current.number.to_string()),
    )?;
    Ok(current.number)
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct RenewalInput {
    #[serde(default)]
    pub year: String,
    /// Tacit renewal date (JJ/MM/AAAA).
    #[serde(default)]
    pub renewal_on: String,
    /// Contribution requested, in euros (`1 200,00`).
    #[serde(default)]
    pub amount: String,
    /// Day the contribution was requested; today by default.
    #[serde(default)]
    pub requested_on: String,
    /// Day it must be paid by.
    #[serde(default)]
    pub due_on: String,
}

fn date_field(value: &str, label: &str, errors: &mut Vec<String>) -> Option<NaiveDate> {
    read_date_fr(value, &format!("{label} s’écrit JJ/MM/AAAA."), errors)
}

pub fn add_renewal(
    conn: &mut DbConnection,
    me: &CurrentUser,
    org_id: &str,
    input: &RenewalInput,
    today: NaiveDate,
) -> AppResult<Result<String, Vec<String>>> {
    let (_, _, reference) = partner(conn, org_id)?;
    require_view(me, &reference)?;
    authorize(me, &Action::ManagePartners)?;
    let mut errors = Vec::new();
    let renewal_on = date_field(&input.renewal_on, "La date de renouvellement", &mut errors);
    let year = match input.year.trim() {
        "" => renewal_on.map(|d| d.year()),
        y => match y.parse::<i32>() {
            Ok(y) if (2000..=2100).contains(&y) => Some(y),
            _ => {
                errors.push("L’année est un nombre, par exemple 2027.".into());
                None
            }
        },
    };
    let amount = parse_euros(&input.amount)
        .map_err(|e| errors.push(e.into()))
        .ok();
    let requested_on = if input.requested_on.trim().is_empty() {
        Some(today)
    } else {
        date_field(&input.requested_on, "La date de la demande", &mut errors)
    };
    let due_on = date_field(&input.due_on, "La date limite de paiement", &mut errors);
    if let (Some(r), Some(d)) = (requested_on, due_on)
        && d < r
    {
        errors.push("La date limite de paiement suit la date de la demande.".into());
    }
    let (
        Some(year),
        Some(renewal_on),
        Some(requested_cents),
        Some(requested_on),
        Some(due_on),
        true,
    ) = (
        year,
        renewal_on,
        amount,
        requested_on,
        due_on,
        errors.is_empty(),
    )
    else {
        return Ok(Err(errors));
    };
    let id = store::insert_renewal(
        conn,
        org_id,
        &store::NewRenewal {
            year,
            renewal_on,
            requested_cents,
            requested_on,
            due_on,
        },
    )?;
    audit::record(
        conn,
        Event::by(me, "partner.renewal_added")
            .on("organisation", org_id)
            .detail(&year.to_string()),
    )?;
    Ok(Ok(id))
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PaymentInput {
    /// Amount paid, in euros.
    #[serde(default)]
    pub amount: String,
    /// JJ/MM/AAAA.
    #[serde(default)]
    pub paid_on: String,
}

/// The partner (organisation id) a renewal belongs to.
pub fn renewal_partner(
    conn: &mut DbConnection,
    me: &CurrentUser,
    renewal_id: &str,
) -> AppResult<String> {
    authorize(me, &Action::ManagePartners)?;
    Ok(store::renewal(conn, renewal_id)?.organisation_id)
}

/// Records a contribution's payment; returns the partner's organisation id.
pub fn record_payment(
    conn: &mut DbConnection,
    me: &CurrentUser,
    renewal_id: &str,
    input: &PaymentInput,
    today: NaiveDate,
) -> AppResult<Result<String, Vec<String>>> {
    authorize(me, &Action::ManagePartners)?;
    let renewal = store::renewal(conn, renewal_id)?;
    let mut errors = Vec::new();
    let amount = parse_euros(&input.amount)
        .map_err(|e| errors.push(e.into()))
        .ok();
    let paid_on = date_field(&input.paid_on, "La date du paiement", &mut errors);
    if paid_on.is_some_and(|d| d > today) {
        errors.push("La date du paiement ne peut pas être dans le futur.".into());
    }
    let (Some(amount), Some(paid_on), true) = (amount, paid_on, errors.is_empty()) else {
        return Ok(Err(errors));
    };
    store::record_payment(conn, renewal_id, amount, paid_on)?;
    audit::record(
        conn,
        Event::by(me, "partner.contribution_paid")
            .on("organisation", &renewal.organisation_id)
            .detail(&renewal.year.to_string()),
    )?;
    Ok(Ok(renewal.organisation_id))
}

/// What the partner may sign, if anything: the version in force.
pub fn current_charter(
    conn: &mut DbConnection,
    today: NaiveDate,
) -> AppResult<Option<CharterVersion>> {
    store::current_charter(conn, today)
}

pub fn charter_versions(
    conn: &mut DbConnection,
    me: &CurrentUser,
) -> AppResult<Vec<(CharterVersion, usize)>> {
    authorize(me, &Action::ManagePartners)?;
    let signatures = store::all_signatures(conn)?;
    Ok(store::charter_versions(conn)?
        .into_iter()
        .map(|v| {
            let n = signatures
                .iter()
                .filter(|s: &&Signature| s.version_id == v.id)
                .count();
            (v, n)
        })
        .collect())
}

/// The daily digest to the regional administrators: renewals within 30 days, contributions
/// unpaid after their due date, partners to sign the charter again. Each item goes out at
/// most once a day; returns how many items were sent.
pub fn send_reminders(
    conn: &mut DbConnection,
    today: NaiveDate,
    base_url: &str,
) -> AppResult<usize> {
    let current = store::current_charter(conn, today)?;
    let numbers: HashMap<String, i32> = store::charter_versions(conn)?
        .into_iter()
        .map(|v| (v.id, v.number))
        .collect();
    let mut items: Vec<(String, String)> = Vec::new();
    let mut names: HashMap<String, String> = HashMap::new();
    for profile in store::profiles(conn)? {
        let org = orgs::get(conn, &profile.organisation_id)?;
        names.insert(org.id.clone(), org.name.clone());
        if let Some(current) = &current {
            let signed: Vec<i32> = store::signatures_of(conn, &org.id)?
                .iter()
                .filter_map(|s| numbers.get(&s.version_id).copied())
                .collect();
            if charter_status(&signed, Some(current)) == CharterStatus::Resign {
                items.push((
                    format!("resign:{}:{}", org.id, current.number),
                    format!(
                        "{} doit signer de nouveau la charte (version {} en vigueur ; dernière signature : version {}).\n  {base_url}/admin/partenaires/{}",
                        org.name,
                        current.number,
                        signed.iter().max().copied().unwrap_or_default(),
                        org.id
                    ),
                ));
            }
        }
    }
    for r in store::all_renewals(conn)? {
        let name = names.get(&r.organisation_id).cloned().unwrap_or_default();
        let view = RenewalView::new(r, today);
        let r = &view.renewal;
        if view.due_soon {
            items.push((
                format!("renewal:{}", r.id),
                format!(
                    "Renouvellement tacite de la convention {} le {} (cotisation {} : {}).\n  {base_url}/admin/partenaires/{}",
                    crate::web::french::de(&name),
                    crate::web::date_fr(&r.renewal_on),
                    r.year,
                    euros(r.requested_cents),
                    r.organisation_id
                ),
            ));
        }
        if view.unpaid_late {
            items.push((
                format!("unpaid:{}", r.id),
                format!(
                    "Cotisation {} {} impayée : {} attendus depuis le {}.\n  {base_url}/admin/partenaires/{}",
                    r.year,
                    crate::web::french::de(&name),
                    euros(r.requested_cents),
                    crate::web::date_fr(&r.due_on),
                    r.organisation_id
                ),
            ));
        }
    }
    let mut fresh = Vec::new();
    for (key, text) in items {
        if store::mark_reminded(conn, &key, today)? {
            fresh.push(text);
        }
    }
    if fresh.is_empty() {
        return Ok(0);
    }
    let admins: Vec<String> = users::table
        .filter(users::role.eq(Role::RegionalAdmin.as_str()))
        .filter(users::status.eq(UserStatus::Active.as_str()))
        .select(users::email)
        .load(conn)?;
    let mail = super::mails::FollowUp {
        today: crate::web::date_fr(&today),
        items: &fresh,
        base_url,
    };
    for to in admins {
        crate::mail::enqueue(conn, &to, &mail)?;
    }
    Ok(fresh.len())
}
