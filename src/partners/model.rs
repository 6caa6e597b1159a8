//! Onboarding steps, charter status and amounts in euros.

use chrono::NaiveDate;

use crate::types::string_enum;

string_enum! {
    /// Bretagne Alternance's onboarding of a partner, in order.
    Step {
        FirstMeeting => "first_meeting", "Première rencontre";
        SteeringApproval => "steering_approval", "Accord du comité de pilotage";
        CharterSigned => "charter_signed", "Charte signée";
        AccountsCreated => "accounts_created", "Comptes créés";
        DataSpaces => "data_spaces", "Espaces de données construits";
        GatewaySpec => "gateway_spec", "Spécification de la passerelle validée";
        TrainingGiven => "training_given", "Formation des équipes dispensée";
        CommunicationKit => "communication_kit", "Kit de communication envoyé";
    }
}

impl Step {
    /// Days after the start of the onboarding by which the step should be done; past that
    /// day an undone step is late.
    pub fn target_days(self) -> i64 {
        match self {
            Step::FirstMeeting => 15,
            Step::SteeringApproval => 60,
            Step::CharterSigned => 90,
            Step::AccountsCreated => 100,
            Step::DataSpaces => 120,
            Step::GatewaySpec => 150,
            Step::TrainingGiven | Step::CommunicationKit => 180,
        }
    }

    pub fn target_on(self, started_on: NaiveDate) -> NaiveDate {
        started_on + chrono::Duration::days(self.target_days())
    }
}

string_enum! {
    /// Where a partner stands with the charter.
    CharterStatus {
        NoCharter => "no_charter", "Aucune charte publiée";
        Unsigned => "unsigned", "Charte non signée";
        Resign => "resign", "Charte à signer de nouveau";
        Signed => "signed", "Charte signée";
    }
}

/// Reads an amount in euros as people type it (`1 200`, `1 200,50 €`, `350.5`) into cents.
pub fn parse_euros(input: &str) -> Result<i64, &'static str> {
    let cleaned: String = input
        .trim()
        .trim_end_matches('€')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}')
        .collect();
    let message = "Le montant s’écrit en euros, par exemple 1 200 ou 350,50.";
    if cleaned.is_empty() {
        return Err(message);
    }
    let cleaned = cleaned.replace(',', ".");
    let (units, decimals) = match cleaned.split_once('.') {
        Some((u, d)) => (u, d),
        None => (cleaned.as_str(), ""),
    };
    if units.is_empty()
        || !units.chars().all(|c| c.is_ascii_digit())
        || decimals.len() > 2
        || !decimals.chars().all(|c| c.is_ascii_digit())
        || units.len() > 9
    {
        return Err(message);
    }
    let units: i64 = units.parse().map_err(|_| message)?;
    let cents: i64 = match decimals.len() {
        0 => 0,
        1 => decimals.parse::<i64>().map_err(|_| message)? * 10,
        _ => decimals.parse().map_err(|_| message)?,
    };
    Ok(units * 100 + cents)
}

/// Cents as French euros: `1 200,50 €`.
pub fn euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.abs();
    let units = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped},{:02} €", cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        assert_eq!(parse_euros("1 200"), Ok(120_000));
        assert_eq!(parse_euros("1 200,5 €"), Ok(120_050));
        assert_eq!(parse_euros("350.05"), Ok(35_005));
        assert!(parse_euros("-3").is_err());
        assert!(parse_euros("12,345").is_err());
        assert!(parse_euros("").is_err());
        assert_eq!(euros(120_050), "1 200,50 €");
        assert_eq!(euros(5), "0,05 €");
        assert_eq!(euros(100_000_000), "1 000 000,00 €");
    }

    #[test]
    fn targets_follow_the_start() {
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert_eq!(
            Step::FirstMeeting.target_on(start),
            NaiveDate::from_ymd_opt(2026, 1, 16).unwrap()
        );
    }
}
