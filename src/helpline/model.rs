//! Requests to the information line: their states, channels and how callers are described.

use crate::types::string_enum;

string_enum! {
    /// How a request arrived.
    Channel {
        Phone => "phone", "Téléphone";
        Web => "web", "Formulaire en ligne";
        Email => "email", "Courriel";
    }
}

string_enum! {
    /// Where a request is.
    Status {
        New => "new", "Nouvelle";
        Answered => "answered", "Répondue";
        Routed => "routed", "Transmise à un partenaire";
        AnsweredByPartner => "answered_by_partner", "Répondue par le partenaire";
        Closed => "closed", "Close";
    }
}

string_enum! {
    /// Who is asking.
    CallerKind {
        Individual => "individual", "Particulier";
        Professional => "professional", "Professionnel·le";
    }
}

string_enum! {
    /// The caller's age, as far as known.
    AgeBand {
        Under18 => "under_18", "Moins de 18 ans";
        From18To25 => "18_25", "18 à 25 ans";
        From26To44 => "26_44", "26 à 44 ans";
        From45 => "45_plus", "45 ans et plus";
        Unknown => "unknown", "Non renseigné";
    }
}

string_enum! {
    /// The caller's situation.
    Situation {
        Pupil => "pupil", "Collégien·ne, lycéen·ne ou étudiant·e";
        JobSeeker => "job_seeker", "Demandeur·se d’emploi";
        Employee => "employee", "Salarié·e";
        Apprentice => "apprentice", "Apprenti·e ou alternant·e";
        Parent => "parent", "Parent";
        Adviser => "adviser", "Professionnel·le de l’accompagnement";
        Other => "other", "Autre situation";
        Unknown => "unknown", "Non renseignée";
    }
}

impl AgeBand {
    /// Younger than 26 (the "jeunes" of the figures).
    pub fn is_young(self) -> bool {
        matches!(self, AgeBand::Under18 | AgeBand::From18To25)
    }
}

impl Status {
    /// Waiting for a first answer in the current cycle: the clock runs.
    pub fn awaits_answer(self) -> bool {
        matches!(self, Status::New | Status::Routed)
    }

    pub fn is_answered(self) -> bool {
        matches!(
            self,
            Status::Answered | Status::AnsweredByPartner | Status::Closed
        )
    }
}

/// What happened to a request (its history).
pub fn event_label(kind: &str) -> &'static str {
    match kind {
        "received" => "Demande reçue",
        "answer" => "Réponse du service d’information",
        "partner_answer" => "Réponse du partenaire",
        "routed" => "Transmise au partenaire",
        "info_requested" => "Précisions demandées au demandeur (délai suspendu)",
        "resumed" => "Délai repris",
        "requester_reply" => "Message du demandeur",
        "classified" => "Thème modifié",
        "closed" => "Demande close",
        "reopened" => "Demande rouverte",
        "reminder" => "Relance (plus qu’un jour ouvré)",
        "escalated" => "Signalée au superviseur (délai de 2 jours ouvrés dépassé)",
        _ => "Note",
    }
}
