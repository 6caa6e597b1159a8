//! A company signs up: its first recruiter's account and the company, which waits for the
//! validation of a chamber covering its department (the registration officers are told). A
//! company an import proposed and nobody claimed is claimed by its real sign-up.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::store::{self, NewOrganisation};
use crate::AppState;
use crate::auth::routes::person_errors;
use crate::auth::service::Person;
use crate::auth::store::NewUser;
use crate::auth::{ClientIp, SessionHandle, throttle};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::referential::{Commune, store::resolve_commune};
use crate::types::{OrgKind, OrgStatus, Role, Siret, UserStatus};
use crate::web::extract::Form;
use crate::web::{Page, form, render, see_other};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new().route(
        "/inscription/entreprise",
        get(signup_company_page).post(signup_company),
    )
}

#[derive(Default, Deserialize)]
struct CompanyForm {
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    company_name: String,
    #[serde(default)]
    siret: String,
    #[serde(default)]
    commune: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    info_mails: Option<String>,
}

#[derive(Template)]
#[template(path = "auth/signup_company.html")]
struct SignupCompanyPage {
    page: Page,
    form: CompanyForm,
    errors: Vec<String>,
    commune_choices: Vec<Commune>,
}

async fn signup_company_page(page: Page) -> AppResult<Response> {
    render(&SignupCompanyPage {
        page: page
            .titled("Créer le compte de mon entreprise")
            .with_form()
            .await?,
        form: CompanyForm::default(),
        errors: Vec::new(),
        commune_choices: Vec::new(),
    })
}

async fn signup_company(
    State(state): State<AppState>,
    session: SessionHandle,
    page: Page,
    ClientIp(ip): ClientIp,
    Form(form): Form<CompanyForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let email = person_errors(
        &form.first_name,
        &form.last_name,
        &form.email,
        &form.password,
        &form.password_confirm,
        &mut errors,
    );
    if form.company_name.trim().is_empty() {
        errors.push("Indiquez le nom de l’entreprise.".into());
    }
    let siret = match Siret::parse(&form.siret) {
        Ok(s) => Some(s),
        Err(msg) => {
            errors.push(msg.into());
            None
        }
    };
    let typed = form.commune.clone();
    let mut commune_choices = Vec::new();
    let commune = if typed.trim().is_empty() {
        errors.push("Indiquez la commune de l’établissement.".into());
        None
    } else {
        match state
            .db
            .run(move |conn| resolve_commune(conn, &typed))
            .await?
        {
            Ok(c) if c.retired_at.is_some() => {
                errors.extend(c.refusal());
                None
            }
            Ok(c) => Some(c),
            Err(choices) if choices.is_empty() => {
                errors.push("Aucune commune ne correspond : vérifiez l’orthographe ou saisissez le code postal.".into());
                None
            }
            Err(choices) => {
                errors.push(
                    "Plusieurs communes correspondent : choisissez-la dans la liste ci-dessous."
                        .into(),
                );
                commune_choices = choices;
                None
            }
        }
    };
    if let (true, Some(email), Some(siret), Some(commune)) =
        (errors.is_empty(), email, siret, commune)
    {
        let base = state.config.base_url();
        let info_mails = form.info_mails.is_some();
        let (first, last, pw, name) = (
            form.first_name.clone(),
            form.last_name.clone(),
            form.password.clone(),
            form.company_name.clone(),
        );
        let result = state
            .db
            .tx(move |conn| {
                throttle::hit(conn, &throttle::SIGN_UP, Some(email.as_str()), &ip)?;
                sign_up_recruiter(
                    conn,
                    &base,
                    Person {
                        email: &email,
                        password: &pw,
                        first_name: &first,
                        last_name: &last,
                        info_mails,
                    },
                    &name,
                    &siret,
                    &commune,
                )
            })
            .await;
        match result {
            Ok(_) => {
                session.set_flash("Votre compte est créé. Confirmez votre adresse avec le lien reçu par e-mail. La chambre consulaire de votre département validera ensuite votre entreprise.").await?;
                return Ok(see_other("/connexion"));
            }
            Err(e) if e.status() == axum::http::StatusCode::TOO_MANY_REQUESTS => return Err(e),
            Err(e) if e.status().is_client_error() => errors.push(e.message().to_owned()),
            Err(e) => return Err(e),
        }
    }
    let form = CompanyForm {
        password: String::new(),
        password_confirm: String::new(),
        ..form
    };
    render(&SignupCompanyPage {
        page: page.titled("Créer le compte de mon entreprise"),
        form,
        errors,
        commune_choices,
    })
    .map(form::rerender)
}

// ---- Service ----

/// A recruiter signs up with their company, which waits for a chamber's validation.
pub fn sign_up_recruiter(
    conn: &mut DbConnection,
    base_url: &str,
    person: Person<'_>,
    company_name: &str,
    siret: &Siret,
    commune: &Commune,
) -> AppResult<String> {
    // A company an import proposed, that nobody claimed yet, is this company's to claim: the
    // account is attached to it and the chamber validates it as any sign-up.
    let proposal = match store::find_by_siret(conn, siret.as_str())? {
        Some(org) if store::is_unclaimed_proposal(conn, &org)? => Some(org.id),
        Some(_) => {
            return Err(AppError::conflict(
                "Un compte existe déjà pour cet établissement (même SIRET). Demandez à son administrateur de vous inviter.",
            ));
        }
        None => None,
    };
    if let Some(id) = crate::auth::service::tell_existing_account(conn, base_url, person.email)? {
        return Ok(id);
    }
    let hash = crate::auth::password::hash(person.password).map_err(AppError::internal)?;
    let org_id = match proposal {
        Some(id) => {
            store::claim_proposal(
                conn,
                &id,
                company_name,
                &commune.insee_code,
                &commune.department,
            )?;
            id
        }
        None => store::create(
            conn,
            NewOrganisation {
                kind: OrgKind::Company,
                name: company_name,
                network: None,
                siret: Some(siret),
                commune_insee: Some(&commune.insee_code),
                status: OrgStatus::Pending,
                departments: std::slice::from_ref(&commune.department),
            },
        )?,
    };
    let id = crate::auth::store::create(
        conn,
        NewUser {
            email: person.email,
            password_hash: Some(hash),
            first_name: person.first_name,
            last_name: person.last_name,
            role: Role::Recruiter,
            organisation_id: Some(&org_id),
            is_org_admin: true,
            status: UserStatus::Active,
            email_verified: false,
            birth_date: None,
        },
    )?;
    if person.info_mails {
        crate::auth::store::set_info_mail_consent(conn, &id, true)?;
    }
    crate::auth::service::verification_mail(
        conn,
        base_url,
        &id,
        person.email.as_str(),
        person.first_name,
    )?;
    tell_chambers(conn, &org_id, None, base_url)?;
    Ok(id)
}

/// Tells the registration officers of the chambers covering a pending company's department
/// that it waits for their validation: after its sign-up, or when a partner's import
/// proposed it (`proposed_by`: the partner organisation).
pub fn tell_chambers(
    conn: &mut DbConnection,
    company_id: &str,
    proposed_by: Option<&str>,
    base_url: &str,
) -> AppResult<()> {
    let company = store::get(conn, company_id)?;
    let partner = proposed_by
        .map(|p| store::get(conn, p).map(|o| o.name))
        .transpose()?;
    let commune = match company.commune_insee.as_deref() {
        Some(insee) => crate::referential::store::commune(conn, insee)?,
        None => None,
    };
    let (commune_name, department) = commune.map(|c| (c.name, c.department)).unwrap_or_default();
    for officer in officers_for(conn, &department)? {
        let mail = crate::auth::mails::CompanyToValidate {
            company_name: &company.name,
            siret: company.siret.as_deref().unwrap_or_default(),
            commune: &commune_name,
            department: &department,
            proposed_by: partner.as_deref(),
            base_url,
        };
        crate::mail::enqueue(conn, &officer, &mail)?;
    }
    Ok(())
}

fn officers_for(conn: &mut DbConnection, department: &str) -> AppResult<Vec<String>> {
    use crate::db::schema::*;
    use diesel::prelude::*;
    Ok(users::table
        .inner_join(
            organisation_departments::table.on(organisation_departments::organisation_id
                .nullable()
                .eq(users::organisation_id)),
        )
        .filter(organisation_departments::department_code.eq(department))
        .filter(users::role.eq(Role::RegistrationOfficer.as_str()))
        .filter(users::status.eq(UserStatus::Active.as_str()))
        .select(users::email)
        .load(conn)?)
}
