//! Candidate rules: checking the profile, storing the CV safely, validation by the chamber,
//! export and erasure of one's data, and the two-year inactivity purge.

use chrono::{Duration, NaiveDate};
use serde::Deserialize;

use super::store::{self, Profile, ProfileInput};
use crate::auth::CurrentUser;
use crate::auth::audit::{self, Event};
use crate::auth::policy::CandidateRef;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::referential::store::{resolve_commune, resolve_rome};

/// A CV may weigh at most this much.
pub const MAX_CV_BYTES: usize = 5 * 1024 * 1024;
/// The retention of candidates' accounts and CVs (`retention_settings`): by default 24
/// months after the last activity, the warning 30 days before.
pub const RETENTION: &str = "candidates";
pub const DEFAULT_RETENTION_DAYS: i32 = 730;
/// How long before the erasure the candidate is warned (the mail says « dans un mois »).
pub const WARN_DAYS_BEFORE: i64 = 30;
pub const MOBILITY_CHOICES: [i32; 7] = [0, 5, 10, 20, 30, 50, 100];

pub fn candidate_ref(profile: &Profile) -> CandidateRef {
    CandidateRef {
        user_id: profile.user_id.clone(),
        department: profile.department.clone(),
        validated: profile.is_validated(),
        visible: profile.visible,
        applied_to: Vec::new(),
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    pub rome1: String,
    #[serde(default)]
    pub rome2: String,
    #[serde(default)]
    pub rome3: String,
    #[serde(default)]
    pub rome4: String,
    #[serde(default)]
    pub rome5: String,
    #[serde(default)]
    pub level_reached: String,
    #[serde(default)]
    pub level_sought: String,
    #[serde(default)]
    pub commune: String,
    #[serde(default)]
    pub mobility_km: String,
    #[serde(default)]
    pub available_from: String,
    #[serde(default)]
    pub presentation: String,
    #[serde(default)]
    pub structured_cv: String,
    pub visible: Option<String>,
}

impl ProfileForm {
    pub fn romes(&self) -> [&str; 5] {
        [
            &self.rome1,
            &self.rome2,
            &self.rome3,
            &self.rome4,
            &self.rome5,
        ]
    }
}

fn level(input: &str, what: &str, errors: &mut Vec<String>) -> Option<i32> {
    match input.trim() {
        "" => None,
        text => match text.parse::<i32>() {
            Ok(l) if (2..=8).contains(&l) => Some(l),
            _ => {
                errors.push(format!("Le niveau {what} n’est pas valide."));
                None
            }
        },
    }
}

pub fn check_form(
    conn: &mut DbConnection,
    form: &ProfileForm,
) -> AppResult<Result<ProfileInput, Vec<String>>> {
    let mut errors = Vec::new();
    let mut occupations = Vec::new();
    for typed in form
        .romes()
        .into_iter()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let found = resolve_rome(conn, typed)?.ok();
        if let Some(refusal) = found.as_ref().and_then(|r| r.refusal()) {
            errors.push(refusal);
            continue;
        }
        match found.map(|r| r.code) {
            Some(c) if !occupations.contains(&c) => occupations.push(c),
            Some(_) => {}
            None => errors.push(format!("Le métier « {typed} » n’a pas été reconnu : saisissez un code ROME ou choisissez-le dans la liste.")),
        }
    }
    if occupations.is_empty() && errors.is_empty() {
        errors.push("Indiquez au moins un métier recherché.".to_owned());
    }
    let level_reached = level(&form.level_reached, "atteint", &mut errors);
    let level_sought = level(&form.level_sought, "recherché", &mut errors);
    let (commune_insee, department) = if form.commune.trim().is_empty() {
        errors.push(
            "Indiquez votre commune : elle sert à vous proposer des offres proches.".to_owned(),
        );
        (None, None)
    } else {
        match resolve_commune(conn, &form.commune)? {
            Ok(c) if c.retired_at.is_some() => {
                errors.extend(c.refusal());
                (None, None)
            }
            Ok(c) => (Some(c.insee_code), Some(c.department)),
            Err(choices) if choices.is_empty() => {
                errors.push("Aucune commune ne correspond : vérifiez l’orthographe ou saisissez le code postal.".to_owned());
                (None, None)
            }
            Err(_) => {
                errors.push("Plusieurs communes portent ce nom : choisissez la vôtre dans la liste, ou ajoutez le code postal, par exemple « Saint-Martin (32300) ».".to_owned());
                (None, None)
            }
        }
    };
    let mobility_km = match form.mobility_km.trim().parse::<i32>() {
        Ok(m) if MOBILITY_CHOICES.contains(&m) => m,
        _ => {
            errors.push("Choisissez jusqu’où vous pouvez vous déplacer.".to_owned());
            0
        }
    };
    let available_from = match form.available_from.trim() {
        "" => None,
        text => crate::web::read_date_fr(
            text,
            "La date de disponibilité doit être au format JJ/MM/AAAA.",
            &mut errors,
        ),
    };
    let presentation = form.presentation.trim().to_owned();
    if presentation.chars().count() > 1000 {
        errors.push("La présentation ne doit pas dépasser 1 000 caractères.".to_owned());
    }
    let structured_cv = Some(form.structured_cv.trim().to_owned()).filter(|s| !s.is_empty());
    if structured_cv
        .as_ref()
        .is_some_and(|s| s.chars().count() > 5000)
    {
        errors.push("Le CV saisi ne doit pas dépasser 5 000 caractères.".to_owned());
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    Ok(Ok(ProfileInput {
        presentation,
        level_reached,
        level_sought,
        commune_insee,
        department,
        mobility_km,
        available_from,
        visible: form.visible.is_some(),
        structured_cv,
        occupations,
    }))
}

const CV_TOO_LARGE: &str =
    "Le CV dépasse 5 Mo : enregistrez-le en PDF plus léger (sans images en haute définition).";

/// The kind of a CV among the stored files.
pub const CV_KIND: &str = "cv";

/// Checks an uploaded CV (size, opens as a PDF, no script or launch action). CPU work: run it
/// before the transaction that stores the CV.
pub fn check_cv(bytes: &[u8]) -> AppResult<()> {
    if bytes.is_empty() {
        return Err(AppError::unprocessable(
            "Choisissez un fichier PDF à envoyer.",
        ));
    }
    if bytes.len() > MAX_CV_BYTES {
        return Err(AppError::unprocessable(CV_TOO_LARGE));
    }
    check_pdf(bytes)
}

/// Stores a checked CV in the database (`stored_files`) as the profile's, replacing the
/// previous one, in the caller's transaction: the previous file is deleted with the change
/// (see the migration `cv_in_database`). `original` is the name the person's file had.
pub fn store_cv(
    conn: &mut DbConnection,
    user_id: &str,
    original: &str,
    bytes: &[u8],
) -> AppResult<()> {
    store::get(conn, user_id)?.ok_or_else(|| {
        AppError::unprocessable("Enregistrez d’abord votre profil, puis ajoutez votre CV.")
    })?;
    let id = crate::db::files::insert(
        conn,
        &crate::db::files::NewFile {
            kind: CV_KIND,
            content_type: "application/pdf",
            bytes,
            limit: MAX_CV_BYTES,
            too_large: CV_TOO_LARGE,
        },
    )?;
    let size = i64::try_from(bytes.len()).map_err(AppError::internal)?;
    store::set_cv(conn, user_id, Some((&id, original, size)))
}

/// The bytes of a profile's CV, from the database.
pub fn cv_bytes(conn: &mut DbConnection, stored: &str) -> AppResult<Option<Vec<u8>>> {
    Ok(crate::db::files::get(conn, stored)?.map(|file| file.bytes))
}

/// A CV file of an earlier version's layout (`DATA_DIR/cv/<name>`, named `name` in its
/// profile) moves into the database, in the caller's transaction. Returns the candidate whose
/// CV it is, or `None` for a file no profile names (left over by a removal that failed: the
/// caller deletes it all the same).
pub fn adopt_cv_file(
    conn: &mut DbConnection,
    name: &str,
    bytes: &[u8],
) -> AppResult<Option<String>> {
    let Some(user_id) = store::by_cv_file(conn, name)? else {
        return Ok(None);
    };
    let id = crate::db::files::insert(
        conn,
        &crate::db::files::NewFile {
            kind: CV_KIND,
            content_type: "application/pdf",
            bytes,
            limit: crate::db::files::MAX_BYTES,
            too_large: CV_TOO_LARGE,
        },
    )?;
    store::move_cv_file(conn, &user_id, &id)?;
    Ok(Some(user_id))
}

/// A CV must open as a PDF (parsed, not sniffed) and carry no active content: no JavaScript
/// (`/JS`, `/JavaScript`, an `OpenAction` or any action running a script) and no launch
/// action. Checked on every object of the document, streams' dictionaries included.
fn check_pdf(bytes: &[u8]) -> AppResult<()> {
    let document = lopdf::Document::load_mem(bytes).map_err(|_| {
        AppError::unprocessable(
            "Ce fichier n’est pas un PDF valide. Enregistrez votre CV au format PDF puis envoyez-le de nouveau.",
        )
    })?;
    if document.objects.is_empty() || document.get_pages().is_empty() {
        return Err(AppError::unprocessable(
            "Ce fichier n’est pas un PDF valide : il ne contient aucune page. Enregistrez votre CV au format PDF puis envoyez-le de nouveau.",
        ));
    }
    let trailer = lopdf::Object::Dictionary(document.trailer.clone());
    if std::iter::once(&trailer)
        .chain(document.objects.values())
        .any(is_active)
    {
        return Err(AppError::unprocessable(
            "Ce PDF contient du JavaScript ou une action qui lance un programme : nous ne pouvons pas l’accepter. Enregistrez votre CV de nouveau au format PDF (par exemple avec « Imprimer » puis « Enregistrer au format PDF ») et envoyez-le.",
        ));
    }
    Ok(())
}

/// Whether a PDF object holds a script or a launch action, at any depth.
fn is_active(object: &lopdf::Object) -> bool {
    use lopdf::Object;
    const KEYS: [&[u8]; 2] = [b"JS", b"JavaScript"];
    const NAMES: [&[u8]; 2] = [b"JavaScript", b"Launch"];
    let dictionary_is_active = |d: &lopdf::Dictionary| {
        d.iter()
            .any(|(key, value)| KEYS.contains(&key.as_slice()) || is_active(value))
    };
    match object {
        Object::Name(name) => NAMES.contains(&name.as_slice()),
        Object::Array(items) => items.iter().any(is_active),
        Object::Dictionary(d) => dictionary_is_active(d),
        Object::Stream(stream) => dictionary_is_active(&stream.dict),
        _ => false,
    }
}

/// Records that someone else looked at a candidate's profile or CV (never the content).
pub fn record_view(
    conn: &mut DbConnection,
    viewer: &CurrentUser,
    candidate_id: &str,
    download: bool,
) -> AppResult<()> {
    if viewer.id == candidate_id {
        return Ok(());
    }
    audit::record(
        conn,
        Event::by(
            viewer,
            if download {
                "cv_downloaded"
            } else {
                "cv_viewed"
            },
        )
        .on("candidate", candidate_id),
    )
}

pub fn decide(
    conn: &mut DbConnection,
    base_url: &str,
    officer: &CurrentUser,
    user_id: &str,
    approve: bool,
    reason: Option<&str>,
) -> AppResult<()> {
    if !store::decide(conn, user_id, &officer.id, approve, reason)? {
        return Err(AppError::conflict(
            "Ce profil a déjà été traité ou a changé entre-temps.",
        ));
    }
    audit::record(
        conn,
        Event::by(
            officer,
            if approve {
                "profile_validated"
            } else {
                "profile_rejected"
            },
        )
        .on("candidate", user_id),
    )?;
    let user = crate::auth::store::by_id(conn, user_id)?.ok_or_else(AppError::not_found)?;
    if approve {
        let mail = super::mails::ProfileValidated {
            first_name: &user.first_name,
            base_url,
        };
        crate::mail::enqueue(conn, &user.email, &mail)?;
    } else {
        let mail = super::mails::ProfileToComplete {
            first_name: &user.first_name,
            reason: reason.unwrap_or_default(),
            base_url,
        };
        crate::mail::enqueue(conn, &user.email, &mail)?;
    }
    Ok(())
}

/// Everything Passerelle keeps about a person, as JSON (with the CV file in base64).
pub fn export(conn: &mut DbConnection, user_id: &str) -> AppResult<serde_json::Value> {
    use base64::Engine;
    let user = crate::auth::store::by_id(conn, user_id)?.ok_or_else(AppError::not_found)?;
    let profile = store::get(conn, user_id)?;
    let cv = match profile.as_ref().and_then(|p| p.cv_file.clone()) {
        Some(stored) => cv_bytes(conn, &stored)?
            .map(|bytes| base64::engine::general_purpose::STANDARD.encode(bytes)),
        None => None,
    };
    let occupations = store::occupations(conn, user_id)?;
    let views: Vec<serde_json::Value> = store::views(conn, user_id)?
        .into_iter()
        .map(|(at, action, org)| serde_json::json!({"at_utc": at, "action": action, "organisation": org}))
        .collect();
    Ok(serde_json::json!({
        "exported_at_utc": crate::db::now(),
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "birth_date": user.birth_date,
            "role": user.role,
            "created_at_utc": user.created_at,
            "last_login_at_utc": user.last_login_at,
        },
        "profile": profile,
        "occupations": occupations.into_iter().map(|(code, label)| serde_json::json!({"code": code, "label": label})).collect::<Vec<_>>(),
        "cv_pdf_base64": cv,
        "profile_views": views,
        "accompaniment": super::accompaniment::of(conn, user_id)?.map(|a| serde_json::json!({
            "agency": a.agency_name,
            "since_utc": a.since,
            "follow_consent_at_utc": a.follow_consent_at,
        })),
    }))
}

/// Erases a candidate's account, profile and CV (the stored file goes with the profile, in
/// this transaction).
pub fn erase(conn: &mut DbConnection, user_id: &str, reason: &str) -> AppResult<()> {
    use diesel::prelude::*;
    // Applications stay with the companies, anonymised: the person's own words go.
    {
        use crate::db::schema::application_messages;
        diesel::delete(
            application_messages::table
                .filter(application_messages::author_id.eq(user_id))
                .filter(application_messages::from_candidate.eq(true)),
        )
        .execute(conn)?;
    }
    crate::auth::accounts::delete(conn, user_id)?;
    audit::record(
        conn,
        Event {
            action: "account_erased",
            target_type: Some("user"),
            target_id: Some(user_id),
            detail: Some(reason),
            ..Event::default()
        },
    )?;
    Ok(())
}

/// Daily: warns candidates inactive for `days` less a month, erases those inactive for `days`
/// who were warned (their CVs go with their profiles). Returns (warned, erased).
pub fn purge_inactive(
    conn: &mut DbConnection,
    base_url: &str,
    today: NaiveDate,
    days: i64,
) -> AppResult<(usize, usize)> {
    let now = today.and_hms_opt(0, 0, 0).expect("midnight");
    let kept = crate::web::retention::duration_fr(i32::try_from(days).unwrap_or(i32::MAX));
    let mut warned = 0;
    for (id, email, first_name) in
        store::inactive_candidates(conn, now - Duration::days(days - WARN_DAYS_BEFORE), false)?
    {
        let mail = super::mails::InactivityWarning {
            first_name: &first_name,
            base_url,
            kept: &kept,
        };
        crate::mail::enqueue(conn, &email, &mail)?;
        crate::auth::accounts::mark_inactivity_warned(conn, &id)?;
        warned += 1;
    }
    let mut erased = 0;
    for (id, _, _) in store::inactive_candidates(conn, now - Duration::days(days), true)? {
        erase(conn, &id, "inactive beyond the retention period")?;
        erased += 1;
    }
    Ok((warned, erased))
}

#[cfg(test)]
mod pdf_tests {
    use super::check_pdf;

    #[test]
    fn a_real_pdf_opens() {
        assert!(check_pdf(include_bytes!("../../tests/fixtures/cv/valid.pdf")).is_ok());
    }

    #[test]
    fn a_lookalike_or_an_active_pdf_is_refused() {
        let fake = check_pdf(include_bytes!("../../tests/fixtures/cv/fake.pdf")).unwrap_err();
        assert!(fake.message().contains("n’est pas un PDF valide"));
        for bytes in [
            &include_bytes!("../../tests/fixtures/cv/javascript.pdf")[..],
            &include_bytes!("../../tests/fixtures/cv/launch.pdf")[..],
        ] {
            let error = check_pdf(bytes).unwrap_err();
            assert!(
                error.message().contains("JavaScript"),
                "{}",
                error.message()
            );
        }
    }
}
