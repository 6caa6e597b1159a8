//! Offer rules: checking input, who posts for whom, the lifecycle with moderation by the
//! chamber of the territory, expiry and warnings.

use chrono::{Duration, NaiveDate};

use super::model::{ContractType, Offer, OfferForm, OfferInput, OfferStatus, Transition};
use super::{mails, store};
use crate::auth::CurrentUser;
use crate::auth::audit::{self, Event};
use crate::auth::policy::{Action, OfferRef, authorize};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::organisations::store as orgs;
use crate::referential::store::{resolve_commune, resolve_rome};
use crate::types::{OrgKind, Role};

/// A published offer expires after this many days without update…
pub const IDLE_DAYS: i64 = 60;
/// …and its managers are warned this many days before.
pub const WARN_DAYS: i64 = 7;

/// The offer as the policy sees it, with whether its manager still holds the company's
/// delegation.
pub fn offer_ref(conn: &mut DbConnection, offer: &Offer) -> AppResult<OfferRef> {
    let delegated = offer.company_id == offer.managed_by_id
        || orgs::is_delegated(conn, &offer.company_id, &offer.managed_by_id)?;
    Ok(OfferRef {
        company_id: offer.company_id.clone(),
        managed_by_id: offer.managed_by_id.clone(),
        department: offer.department.clone(),
        delegated,
    })
}

/// Checks what was typed; every problem is reported at once, in French.
pub fn check_form(
    conn: &mut DbConnection,
    form: &OfferForm,
    today: NaiveDate,
) -> AppResult<Result<OfferInput, Vec<String>>> {
    let mut errors = Vec::new();
    let title = form.title.trim().to_owned();
    if title.is_empty() {
        errors.push("Indiquez l’intitulé de l’offre.".to_owned());
    } else if title.chars().count() > 150 {
        errors.push("L’intitulé ne doit pas dépasser 150 caractères.".to_owned());
    }
    let description = form.description.trim().to_owned();
    if description.chars().count() < 30 {
        errors.push(
            "Décrivez le poste en 30 caractères au moins : missions, horaires, qualités attendues."
                .to_owned(),
        );
    } else if description.chars().count() > 5000 {
        errors.push("La description ne doit pas dépasser 5 000 caractères.".to_owned());
    }
    let rome_code = if form.rome.trim().is_empty() {
        errors.push(
            "Choisissez le métier (code ROME), par exemple « D1102 » ou « boulanger ».".to_owned(),
        );
        None
    } else {
        match resolve_rome(conn, &form.rome)? {
            Ok(r) => match r.refusal() {
                Some(refusal) => {
                    errors.push(refusal);
                    None
                }
                None => Some(r.code),
            },
            Err(_) => {
                errors.push(format!(
                    "Le métier « {} » n’a pas été reconnu : saisissez un code ROME (par exemple D1102) ou choisissez-le dans la liste.",
                    form.rome.trim()
                ));
                None
            }
        }
    };
    let contract_type = ContractType::parse(form.contract_type.trim());
    if contract_type.is_none() {
        errors.push(
            "Choisissez le type de contrat : apprentissage ou professionnalisation.".to_owned(),
        );
    }
    let level = form
        .level
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|l| (3..=8).contains(l));
    if level.is_none() {
        errors.push("Choisissez le niveau de diplôme visé (3 à 8).".to_owned());
    }
    let start_date = crate::web::read_date_fr(
        &form.start_date,
        "Indiquez la date de début au format JJ/MM/AAAA.",
        &mut errors,
    );
    match start_date {
        None => {}
        Some(d) if d < today - Duration::days(31) => {
            errors.push("La date de début est passée depuis plus d’un mois.".to_owned())
        }
        _ => {}
    }
    let duration_months = form
        .duration_months
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|d| (1..=48).contains(d));
    if duration_months.is_none() {
        errors.push("Indiquez la durée du contrat en mois (1 à 48).".to_owned());
    }
    let positions = form
        .positions
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|p| (1..=99).contains(p));
    if positions.is_none() {
        errors.push("Indiquez le nombre de postes (1 à 99).".to_owned());
    }
    let expires_on = match form.expires_on.trim() {
        "" => None,
        text => match crate::web::read_date_fr(
            text,
            "La date de fin de publication doit être au format JJ/MM/AAAA.",
            &mut errors,
        ) {
            Some(d) if d < today => {
                errors.push("La date de fin de publication est déjà passée.".to_owned());
                None
            }
            other => other,
        },
    };
    let commune = if form.commune.trim().is_empty() {
        errors.push("Indiquez la commune du lieu de travail.".to_owned());
        None
    } else {
        match resolve_commune(conn, &form.commune)? {
            Ok(c) => match c.refusal() {
                Some(refusal) => {
                    errors.push(refusal);
                    None
                }
                None => Some(c),
            },
            Err(choices) if choices.is_empty() => {
                errors.push("Aucune commune ne correspond au lieu de travail : vérifiez l’orthographe ou saisissez le code postal.".to_owned());
                None
            }
            Err(choices) => {
                let list = choices
                    .iter()
                    .take(5)
                    .map(|c| c.label_with_department())
                    .collect::<Vec<_>>()
                    .join(" ; ");
                errors.push(format!("Plusieurs communes correspondent au lieu de travail : choisissez la vôtre dans la liste ({list}…)."));
                None
            }
        }
    };
    let training = Some(form.training.trim().to_owned()).filter(|t| !t.is_empty());
    match (
        rome_code,
        contract_type,
        level,
        start_date,
        duration_months,
        positions,
        commune,
    ) {
        (
            Some(rome_code),
            Some(contract_type),
            Some(level),
            Some(start_date),
            Some(duration_months),
            Some(positions),
            Some(commune),
        ) if errors.is_empty() => Ok(Ok(OfferInput {
            title,
            description,
            rome_code,
            contract_type,
            level,
            training,
            start_date,
            duration_months,
            department: commune.department.clone(),
            commune_insee: commune.insee_code,
            positions,
            share_with_france_travail: form.share_with_france_travail.is_some(),
            expires_on,
        })),
        _ => Ok(Err(errors)),
    }
}

/// The company an offer is posted for, and who manages it.
fn poster(
    conn: &mut DbConnection,
    by: &CurrentUser,
    requested_company: &str,
) -> AppResult<(String, String)> {
    // Who may post at all comes first, before anything of the form is looked at.
    if !crate::auth::policy::allows(by, &Action::PostOffers) {
        return Err(AppError::new(
            axum::http::StatusCode::FORBIDDEN,
            "forbidden",
            if by.organisation_kind == Some(OrgKind::Company) {
                "Votre entreprise doit être validée par la chambre consulaire avant de publier des offres."
            } else {
                "Les offres sont publiées par les entreprises validées et par les organismes de formation auxquels elles les délèguent."
            },
        ));
    }
    let my_org = by.organisation_id.clone().ok_or_else(AppError::forbidden)?;
    let for_others = crate::auth::policy::allows(by, &Action::ActForDelegatingCompanies);
    let company_id = if for_others {
        requested_company.to_owned()
    } else {
        my_org.clone()
    };
    let company = orgs::get(conn, &company_id).map_err(|_| {
        AppError::unprocessable("Choisissez l’entreprise pour laquelle vous publiez.")
    })?;
    if company.kind() != OrgKind::Company {
        return Err(AppError::unprocessable(
            "Une offre est toujours publiée pour une entreprise.",
        ));
    }
    let reference = orgs::policy_ref(conn, &company)?;
    let delegated = for_others && orgs::is_delegated(conn, &company_id, &my_org)?;
    if !crate::auth::policy::allows(
        by,
        &Action::CreateOfferFor {
            company: &reference,
            delegated,
        },
    ) {
        return Err(AppError::new(
            axum::http::StatusCode::FORBIDDEN,
            "forbidden",
            if !for_others {
                "Votre entreprise doit être validée par la chambre consulaire avant de publier des offres."
            } else {
                "Vous ne pouvez publier que pour vous-même ou pour une entreprise qui vous a délégué ses offres."
            },
        ));
    }
    let managed_by = if for_others {
        my_org
    } else {
        company_id.clone()
    };
    Ok((company_id, managed_by))
}

pub fn create(
    conn: &mut DbConnection,
    by: &CurrentUser,
    form: &OfferForm,
    today: NaiveDate,
) -> AppResult<Result<String, Vec<String>>> {
    let (company_id, managed_by) = poster(conn, by, &form.company_id)?;
    match check_form(conn, form, today)? {
        Ok(input) => {
            let new = store::NewOffer::draft(&company_id, &managed_by, Some(&by.id), &input);
            let id = store::insert(conn, new, crate::db::now())?;
            Ok(Ok(id))
        }
        Err(errors) => Ok(Err(errors)),
    }
}

/// Loads an offer the caller manages (404 for anyone else: ids teach nothing).
pub fn managed(conn: &mut DbConnection, by: &CurrentUser, id: &str) -> AppResult<Offer> {
    let offer = store::get(conn, id)?;
    authorize(by, &Action::ManageOffer(&offer_ref(conn, &offer)?))
        .map_err(|_| AppError::not_found())?;
    Ok(offer)
}

/// Edits an offer; a published one goes back to the chamber.
pub fn update(
    conn: &mut DbConnection,
    by: &CurrentUser,
    id: &str,
    form: &OfferForm,
    today: NaiveDate,
) -> AppResult<Result<OfferStatus, Vec<String>>> {
    let offer = managed(conn, by, id)?;
    let next = offer.status().after(Transition::Edit)?;
    match check_form(conn, form, today)? {
        Ok(input) => {
            store::update(
                conn,
                id,
                &store::OfferChanges::edit(&input, next, crate::db::now()),
            )?;
            Ok(Ok(next))
        }
        Err(errors) => Ok(Err(errors)),
    }
}

/// Staff of the organisations concerned by an offer (for mails).
fn recipients(conn: &mut DbConnection, offer: &Offer) -> AppResult<Vec<String>> {
    let mut emails = crate::auth::store::staff_emails(conn, &offer.managed_by_id, Role::ALL)?;
    emails.sort();
    emails.dedup();
    Ok(emails)
}

/// Applies a lifecycle step asked by a manager (submit, withdraw, mark filled, extend) or by
/// a chamber (approve, reject). Returns the new status.
pub fn apply(
    conn: &mut DbConnection,
    base_url: &str,
    by: &CurrentUser,
    id: &str,
    transition: Transition,
    reason: Option<&str>,
    today: NaiveDate,
) -> AppResult<OfferStatus> {
    let offer = store::get(conn, id)?;
    let reference = offer_ref(conn, &offer)?;
    let moderation = matches!(transition, Transition::Approve | Transition::Reject);
    let action = if moderation {
        Action::ModerateOffer(&reference)
    } else {
        Action::ManageOffer(&reference)
    };
    authorize(by, &action).map_err(|_| AppError::not_found())?;
    let from = offer.status();
    let to = from.after(transition)?;
    match transition {
        Transition::Reject if reason.is_none_or(|r| r.trim().is_empty()) => {
            return Err(AppError::unprocessable(
                "Indiquez le motif du refus : il sera communiqué au recruteur.",
            ));
        }
        Transition::Approve if orgs::get(conn, &offer.company_id)?.is_pending() => {
            return Err(AppError::unprocessable(
                "L’entreprise de cette offre attend encore la validation de la chambre : \
                 validez d’abord l’entreprise, l’offre pourra ensuite être publiée.",
            ));
        }
        Transition::Extend => {
            let new_end = offer
                .expires_on
                .map(|end| end.max(today) + Duration::days(IDLE_DAYS));
            store::extend(conn, id, new_end)?;
        }
        _ => {}
    }
    if from != to {
        store::set_status(conn, id, from, to)?;
    }
    if moderation {
        let approved = transition == Transition::Approve;
        store::record_moderation(conn, id, &by.id, approved, reason.map(str::trim))?;
        audit::record(
            conn,
            Event::by(
                by,
                if approved {
                    "offer_approved"
                } else {
                    "offer_rejected"
                },
            )
            .on("offer", id),
        )?;
        let reason = reason.unwrap_or_default().trim();
        for email in recipients(conn, &offer)? {
            if approved {
                let mail = mails::Approved {
                    title: &offer.title,
                    id,
                    base_url,
                };
                crate::mail::enqueue(conn, &email, &mail)?;
            } else {
                let mail = mails::Rejected {
                    title: &offer.title,
                    reason,
                    id,
                    base_url,
                };
                crate::mail::enqueue(conn, &email, &mail)?;
            }
        }
    }
    Ok(to)
}

/// Daily: ends publications that are over, and warns managers a week before.
pub fn expire_and_warn(
    conn: &mut DbConnection,
    base_url: &str,
    today: NaiveDate,
) -> AppResult<(Vec<String>, usize)> {
    let mut expired = Vec::new();
    for offer in store::due_to_expire(conn, today)? {
        store::set_status(
            conn,
            &offer.id,
            OfferStatus::Published,
            OfferStatus::Expired,
        )?;
        for email in recipients(conn, &offer)? {
            let mail = mails::Expired {
                title: &offer.title,
                base_url,
            };
            crate::mail::enqueue(conn, &email, &mail)?;
        }
        expired.push(offer.id);
    }
    let mut warned = 0;
    for offer in store::due_for_warning(conn, today)? {
        let end = offer
            .expires_on
            .unwrap_or_else(|| {
                crate::clock::paris_day(offer.updated_at + Duration::days(IDLE_DAYS))
            })
            .min(crate::clock::paris_day(
                offer.updated_at + Duration::days(IDLE_DAYS),
            ));
        for email in recipients(conn, &offer)? {
            let mail = mails::Expiring {
                title: &offer.title,
                end: crate::web::date_fr(&end),
                base_url,
            };
            crate::mail::enqueue(conn, &email, &mail)?;
        }
        store::mark_warned(conn, &offer.id)?;
        warned += 1;
    }
    Ok((expired, warned))
}

/// What the offer uses that the referential retired, said in French for its managers (empty
/// when nothing).
pub fn retired_codes_of(conn: &mut DbConnection, offer: &Offer) -> AppResult<Vec<String>> {
    use crate::db::schema::{communes, rome_occupations};
    use diesel::prelude::*;
    let rome: Option<Option<chrono::NaiveDateTime>> = rome_occupations::table
        .find(&offer.rome_code)
        .select(rome_occupations::retired_at)
        .first(conn)
        .optional()?;
    let commune: Option<Option<chrono::NaiveDateTime>> = communes::table
        .find(&offer.commune_insee)
        .select(communes::retired_at)
        .first(conn)
        .optional()?;
    let mut said = Vec::new();
    if rome.flatten().is_some() {
        said.push(format!(
            "Le métier de cette offre (ROME {}) a été retiré du référentiel : modifiez l’offre pour choisir un métier en vigueur.",
            offer.rome_code
        ));
    }
    if commune.flatten().is_some() {
        said.push(format!(
            "La commune de cette offre (code INSEE {}) ne figure plus au référentiel des communes : modifiez l’offre pour choisir la commune actuelle.",
            offer.commune_insee
        ));
    }
    Ok(said)
}

/// The published and waiting offers of these departments that use a retired ROME or commune
/// code, one row per retired code, for the chamber's list (provided to the referential as
/// [`crate::referential::RetiredInOffers`]). The edit link is given to who may edit.
pub fn retired_code_uses(
    conn: &mut DbConnection,
    me: &CurrentUser,
    departments: &[String],
) -> AppResult<Vec<crate::referential::RetiredUse>> {
    use crate::db::schema::{communes, offers, organisations, rome_occupations};
    use crate::referential::{RetiredKind, RetiredUse};
    use diesel::prelude::*;
    type Row = (
        Offer,
        String,
        String,
        Option<chrono::NaiveDateTime>,
        String,
        Option<chrono::NaiveDateTime>,
    );
    let rows: Vec<Row> = offers::table
        .inner_join(organisations::table.on(organisations::id.eq(offers::company_id)))
        .inner_join(communes::table)
        .inner_join(rome_occupations::table)
        .filter(offers::status.eq_any([
            OfferStatus::Published.as_str(),
            OfferStatus::Pending.as_str(),
        ]))
        .filter(offers::department.eq_any(departments))
        .filter(
            rome_occupations::retired_at
                .is_not_null()
                .or(communes::retired_at.is_not_null()),
        )
        .order((offers::department, offers::title, offers::id))
        .select((
            Offer::as_select(),
            organisations::name,
            rome_occupations::label,
            rome_occupations::retired_at,
            communes::name,
            communes::retired_at,
        ))
        .load(conn)?;
    let mut uses = Vec::new();
    for (offer, company, rome_label, rome_retired, commune_name, commune_retired) in rows {
        let reference = offer_ref(conn, &offer)?;
        let edit_href = crate::auth::policy::allows(me, &Action::ManageOffer(&reference))
            .then(|| format!("/mes-offres/{}/modifier", offer.id));
        let what = if offer.is_published() {
            "Offre publiée"
        } else {
            "Offre en attente de validation"
        };
        let retired = [
            (
                rome_retired,
                RetiredKind::Rome,
                &offer.rome_code,
                rome_label,
            ),
            (
                commune_retired,
                RetiredKind::Commune,
                &offer.commune_insee,
                commune_name,
            ),
        ];
        for (at, kind, code, label) in retired {
            if at.is_some() {
                uses.push(RetiredUse {
                    what: what.to_owned(),
                    title: offer.title.clone(),
                    owner: Some(company.clone()),
                    department: offer.department.clone(),
                    kind,
                    code: code.clone(),
                    label,
                    href: format!("/offres/{}", offer.id),
                    edit_href: edit_href.clone(),
                });
            }
        }
    }
    Ok(uses)
}

#[cfg(test)]
mod tests {
    use super::*;
    use OfferStatus::*;
    use Transition::*;

    #[test]
    fn lifecycle() {
        let allowed = [
            (Draft, Submit, Pending),
            (Pending, Approve, Published),
            (Pending, Reject, Draft),
            (Published, MarkFilled, Filled),
            (Published, Expire, Expired),
            (Published, Withdraw, Withdrawn),
            (Published, Edit, Pending),
            (Expired, Extend, Pending),
        ];
        for (from, t, to) in allowed {
            assert_eq!(from.after(t).unwrap(), to, "{from:?} {t:?}");
        }
        for (from, t) in [
            (Draft, Approve),
            (Filled, Withdraw),
            (Withdrawn, Submit),
            (Pending, MarkFilled),
            (Draft, MarkFilled),
            (Filled, Edit),
        ] {
            assert!(from.after(t).is_err(), "{from:?} {t:?} should be refused");
        }
    }
}
