//! Satisfaction survey of the pre-registration tool: at most once a quarter, prescribers and
//! centre staff are offered four questions (1 to 5) and a comment; results per network.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::CurrentUser;
use crate::auth::policy::{Action, allows};
use crate::db::{DbConnection, new_id, now, schema::*};
use crate::error::{AppError, AppResult};

/// The questions, in order: (field, French wording).
pub const QUESTIONS: &[(&str, &str)] = &[
    ("ease", "Pré-inscrire ou répondre est simple"),
    (
        "speed",
        "Les décisions arrivent dans des délais satisfaisants",
    ),
    ("dialogue", "Les échanges avec l’autre partie sont utiles"),
    ("overall", "Globalement, l’outil vous rend service"),
];

/// `2026-T4`.
pub fn quarter(day: NaiveDate) -> String {
    format!("{}-T{}", day.year(), (day.month() - 1) / 3 + 1)
}

/// Whether the survey is offered to this person now.
pub fn is_due(conn: &mut DbConnection, user: &CurrentUser, today: NaiveDate) -> AppResult<bool> {
    if !allows(user, &Action::AnswerPrescriptionSurvey) {
        return Ok(false);
    }
    let done: i64 = survey_responses::table
        .filter(survey_responses::user_id.eq(&user.id))
        .filter(survey_responses::quarter.eq(quarter(today)))
        .count()
        .get_result(conn)?;
    Ok(done == 0)
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct Answers {
    #[serde(default)]
    pub ease: String,
    #[serde(default)]
    pub speed: String,
    #[serde(default)]
    pub dialogue: String,
    #[serde(default)]
    pub overall: String,
    #[serde(default)]
    pub comment: String,
    /// `non` to decline this quarter's survey.
    #[serde(default)]
    pub decline: String,
}

/// Records the answers (or the refusal) for this quarter; `Err` lists what is wrong.
pub fn record(
    conn: &mut DbConnection,
    user: &CurrentUser,
    answers: &Answers,
    today: NaiveDate,
) -> AppResult<Result<(), Vec<String>>> {
    if !is_due(conn, user, today)? {
        return Err(AppError::conflict(
            "Vous avez déjà répondu à l’enquête de ce trimestre. Merci !",
        ));
    }
    let declined = answers.decline == "non";
    let mut errors = Vec::new();
    let mut score = |value: &str, label: &str| -> Option<i32> {
        if declined {
            return None;
        }
        match value.trim().parse::<i32>() {
            Ok(v) if (1..=5).contains(&v) => Some(v),
            _ => {
                errors.push(format!("Donnez une note de 1 à 5 : « {label} »."));
                None
            }
        }
    };
    let ease = score(&answers.ease, QUESTIONS[0].1);
    let speed = score(&answers.speed, QUESTIONS[1].1);
    let dialogue = score(&answers.dialogue, QUESTIONS[2].1);
    let overall = score(&answers.overall, QUESTIONS[3].1);
    let comment = Some(answers.comment.trim().to_owned()).filter(|c| !c.is_empty() && !declined);
    if comment.as_ref().is_some_and(|c| c.chars().count() > 2000) {
        errors.push("Le commentaire ne doit pas dépasser 2 000 caractères.".into());
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let network: Option<Option<String>> = match &user.organisation_id {
        Some(org) => organisations::table
            .find(org)
            .select(organisations::network)
            .get_result(conn)
            .optional()?,
        None => None,
    };
    diesel::insert_into(survey_responses::table)
        .values((
            survey_responses::id.eq(new_id()),
            survey_responses::user_id.eq(&user.id),
            survey_responses::organisation_id.eq(&user.organisation_id),
            survey_responses::network.eq(network.flatten().unwrap_or_else(|| "Autre".into())),
            survey_responses::role.eq(user.role.as_str()),
            survey_responses::quarter.eq(quarter(today)),
            survey_responses::outcome.eq(if declined { "declined" } else { "answered" }),
            survey_responses::ease.eq(ease),
            survey_responses::speed.eq(speed),
            survey_responses::dialogue.eq(dialogue),
            survey_responses::overall.eq(overall),
            survey_responses::comment.eq(comment),
            survey_responses::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(Ok(()))
}

/// Averages of one network.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct NetworkResult {
    pub network: String,
    pub answers: usize,
    pub declined: usize,
    /// Average per question, in [`QUESTIONS`] order.
    pub averages: Vec<Option<f64>>,
    pub comments: Vec<String>,
}

impl NetworkResult {
    pub fn averages_fr(&self) -> Vec<String> {
        self.averages
            .iter()
            .map(|a| {
                a.map(|v| format!("{v:.1}").replace('.', ","))
                    .unwrap_or_else(|| "–".into())
            })
            .collect()
    }
}

type ResponseRow = (
    String,
    String,
    Option<i32>,
    Option<i32>,
    Option<i32>,
    Option<i32>,
    Option<String>,
);

/// Results per network (regional team and funders).
pub fn results(conn: &mut DbConnection) -> AppResult<Vec<NetworkResult>> {
    let rows: Vec<ResponseRow> = survey_responses::table
        .order(survey_responses::created_at.desc())
        .select((
            survey_responses::network,
            survey_responses::outcome,
            survey_responses::ease,
            survey_responses::speed,
            survey_responses::dialogue,
            survey_responses::overall,
            survey_responses::comment,
        ))
        .load(conn)?;
    let mut by_network: BTreeMap<String, Vec<ResponseRow>> = BTreeMap::new();
    for row in rows {
        by_network.entry(row.0.clone()).or_default().push(row);
    }
    Ok(by_network
        .into_iter()
        .map(|(network, rows)| {
            let answered: Vec<&ResponseRow> = rows.iter().filter(|r| r.1 == "answered").collect();
            let average = |pick: &dyn Fn(&ResponseRow) -> Option<i32>| {
                let values: Vec<i32> = answered.iter().filter_map(|r| pick(r)).collect();
                (!values.is_empty())
                    .then(|| f64::from(values.iter().sum::<i32>()) / values.len() as f64)
            };
            NetworkResult {
                answers: answered.len(),
                declined: rows.len() - answered.len(),
                averages: vec![
                    average(&|r| r.2),
                    average(&|r| r.3),
                    average(&|r| r.4),
                    average(&|r| r.5),
                ],
                comments: answered
                    .iter()
                    .filter_map(|r| r.6.clone())
                    .take(20)
                    .collect(),
                network,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_are_named_by_year_and_number() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        assert_eq!(quarter(day(1, 1)), "2026-T1");
        assert_eq!(quarter(day(3, 31)), "2026-T1");
        assert_eq!(quarter(day(4, 1)), "2026-T2");
        assert_eq!(quarter(day(11, 23)), "2026-T4");
    }
}
