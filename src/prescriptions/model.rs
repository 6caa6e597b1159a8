//! Pre-registrations: their states, the legal transitions between them and who makes each.

use crate::error::{AppError, AppResult};
use crate::types::string_enum;

string_enum! {
    /// Where a pre-registration is.
    Status {
        Submitted => "submitted", "Envoyée";
        Received => "received", "Reçue par l’organisme";
        InfoSessionScheduled => "info_session_scheduled", "Réunion d’information prévue";
        InterviewScheduled => "interview_scheduled", "Entretien prévu";
        Accepted => "accepted", "Acceptée";
        Refused => "refused", "Refusée";
        WaitingList => "waiting_list", "Liste d’attente";
        Entered => "entered", "Entrée en formation";
        NotEntered => "not_entered", "Non entrée en formation";
        Completed => "completed", "Formation terminée";
        DroppedOut => "dropped_out", "Abandon en cours de formation";
        Withdrawn => "withdrawn", "Retirée par le prescripteur";
    }
}

string_enum! {
    /// Why a centre refused someone (shown to the prescriber).
    RefusalReason {
        PrerequisitesNotMet => "prerequisites_not_met", "Prérequis non atteints";
        NoShow => "no_show", "Absence à la sélection";
        SessionFull => "session_full", "Session complète";
        FoundJob => "found_job", "La personne a trouvé un emploi";
        OtherTraining => "other_training", "La personne a choisi une autre formation";
        NotEligible => "not_eligible", "Non éligible au financement";
        Other => "other", "Autre motif";
    }
}

string_enum! {
    /// The person's situation, as the prescriber records it.
    Situation {
        Pupil => "pupil", "Élève (collège, lycée)";
        Apprentice => "apprentice", "Apprenti·e";
        Student => "student", "Étudiant·e";
        JobSeeker => "job_seeker", "Demandeur·se d’emploi";
        YoungPerson => "young_person", "Jeune accompagné·e (16–25 ans)";
        DisabledWorker => "disabled_worker", "Travailleur·se handicapé·e";
        Employee => "employee", "Salarié·e";
        Other => "other", "Autre situation";
    }
}

string_enum! {
    /// Why someone left a training before its end (the centre records it).
    DropoutReason {
        Job => "job", "Reprise d’un emploi";
        OtherTraining => "other_training", "Entrée dans une autre formation";
        Health => "health", "Raisons de santé";
        Personal => "personal", "Raisons personnelles ou familiales";
        Mobility => "mobility", "Difficultés de transport ou de logement";
        Money => "money", "Difficultés financières";
        NotSuited => "not_suited", "La formation ne correspondait pas au projet";
        Excluded => "excluded", "Exclusion par l’organisme";
        Other => "other", "Autre motif";
    }
}

string_enum! {
    /// Whether the qualification the training leads to was obtained (recorded at its end).
    Qualification {
        Obtained => "obtained", "Certification obtenue";
        Partial => "partial", "Certification obtenue en partie (blocs de compétences)";
        NotObtained => "not_obtained", "Certification non obtenue";
        NotCertifying => "not_certifying", "Formation non certifiante";
    }
}

string_enum! {
    /// Where a person is six months after leaving the training.
    FollowupSituation {
        InJob => "in_job", "En emploi";
        InTraining => "in_training", "En formation";
        Seeking => "seeking", "En recherche d’emploi";
        Other => "other", "Autre situation";
    }
}

/// What someone does to a pre-registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The centre opened it (automatic on first view by the centre).
    Receive,
    ScheduleInfoSession,
    ScheduleInterview,
    Accept,
    Refuse,
    WaitList,
    Enter,
    NotEnter,
    Complete,
    DropOut,
    /// The prescriber withdraws it before a decision.
    Withdraw,
}

/// Which side makes a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Prescriber,
    Centre,
}

impl Step {
    pub const ALL: &'static [Step] = &[
        Step::Receive,
        Step::ScheduleInfoSession,
        Step::ScheduleInterview,
        Step::Accept,
        Step::Refuse,
        Step::WaitList,
        Step::Enter,
        Step::NotEnter,
        Step::Complete,
        Step::DropOut,
        Step::Withdraw,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Receive => "receive",
            Step::ScheduleInfoSession => "schedule_info_session",
            Step::ScheduleInterview => "schedule_interview",
            Step::Accept => "accept",
            Step::Refuse => "refuse",
            Step::WaitList => "wait_list",
            Step::Enter => "enter",
            Step::NotEnter => "not_enter",
            Step::Complete => "complete",
            Step::DropOut => "drop_out",
            Step::Withdraw => "withdraw",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        Step::ALL.iter().copied().find(|s| s.as_str() == input)
    }

    /// The button's French label.
    pub fn label(self) -> &'static str {
        match self {
            Step::Receive => "Marquer comme reçue",
            Step::ScheduleInfoSession => "Convoquer à une réunion d’information",
            Step::ScheduleInterview => "Convoquer à un entretien",
            Step::Accept => "Accepter",
            Step::Refuse => "Refuser",
            Step::WaitList => "Mettre en liste d’attente",
            Step::Enter => "Enregistrer l’entrée en formation",
            Step::NotEnter => "Enregistrer la non-entrée",
            Step::Complete => "Enregistrer la fin de formation",
            Step::DropOut => "Enregistrer un abandon",
            Step::Withdraw => "Retirer la pré-inscription",
        }
    }

    pub fn side(self) -> Side {
        match self {
            Step::Withdraw => Side::Prescriber,
            _ => Side::Centre,
        }
    }

    /// The step names a day (interview, entry, end, drop-out).
    pub fn needs_date(self) -> bool {
        matches!(
            self,
            Step::ScheduleInfoSession
                | Step::ScheduleInterview
                | Step::Enter
                | Step::Complete
                | Step::DropOut
        )
    }

    /// The step needs a reason in words.
    pub fn needs_reason(self) -> bool {
        matches!(self, Step::NotEnter | Step::DropOut)
    }
}

impl Status {
    /// The state after a step, or a French refusal: only the legal transitions exist.
    pub fn after(self, step: Step) -> AppResult<Status> {
        use Status::*;
        let waiting = matches!(
            self,
            Received | InfoSessionScheduled | InterviewScheduled | WaitingList
        );
        let next = match step {
            Step::Receive if self == Submitted => Received,
            Step::ScheduleInfoSession
                if matches!(self, Received | InfoSessionScheduled | InterviewScheduled) =>
            {
                InfoSessionScheduled
            }
            Step::ScheduleInterview
                if matches!(self, Received | InfoSessionScheduled | InterviewScheduled) =>
            {
                InterviewScheduled
            }
            Step::Accept if waiting => Accepted,
            Step::Refuse if waiting => Refused,
            Step::WaitList if waiting && self != WaitingList => WaitingList,
            Step::Enter if self == Accepted => Entered,
            Step::NotEnter if self == Accepted => NotEntered,
            Step::Complete if self == Entered => Completed,
            Step::DropOut if self == Entered => DroppedOut,
            Step::Withdraw if self == Submitted || waiting => Withdrawn,
            _ => {
                return Err(AppError::conflict(format!(
                    "« {} » n’est pas possible sur une pré-inscription au statut « {} ».",
                    step.label(),
                    self.label()
                )));
            }
        };
        Ok(next)
    }

    /// Steps possible from here, for one side.
    pub fn steps(self, side: Side) -> Vec<Step> {
        Step::ALL
            .iter()
            .copied()
            .filter(|s| s.side() == side && *s != Step::Receive && self.after(*s).is_ok())
            .collect()
    }

    /// Waiting for the centre's decision (the deadline runs).
    pub fn awaits_decision(self) -> bool {
        matches!(
            self,
            Status::Submitted
                | Status::Received
                | Status::InfoSessionScheduled
                | Status::InterviewScheduled
        )
    }

    /// A selection result was returned (accepted, refused or waiting list, or what follows
    /// an acceptance).
    pub fn is_decided(self) -> bool {
        matches!(
            self,
            Status::Accepted
                | Status::Refused
                | Status::WaitingList
                | Status::Entered
                | Status::NotEntered
                | Status::Completed
                | Status::DroppedOut
        )
    }

    /// Nothing more will happen.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            Status::Refused
                | Status::NotEntered
                | Status::Completed
                | Status::DroppedOut
                | Status::Withdrawn
        )
    }

    /// What the prescriber should do or expect next (French).
    pub fn next_action(self) -> &'static str {
        match self {
            Status::Submitted => "En attente de lecture par l’organisme",
            Status::Received => "En attente de la décision de l’organisme",
            Status::InfoSessionScheduled => "Préparer la personne à la réunion d’information",
            Status::InterviewScheduled => "Préparer la personne à l’entretien",
            Status::Accepted => "Confirmer l’entrée avec la personne",
            Status::WaitingList => "Suivre la liste d’attente ou proposer une autre session",
            Status::Refused | Status::NotEntered => "Proposer une autre solution à la personne",
            Status::Entered => "Suivre la formation",
            Status::Completed | Status::DroppedOut | Status::Withdrawn => "Aucune",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_transition_is_allowed_or_refused_as_specified() {
        use Status::*;
        let allowed: &[(Status, Step, Status)] = &[
            (Submitted, Step::Receive, Received),
            (Submitted, Step::Withdraw, Withdrawn),
            (Received, Step::ScheduleInfoSession, InfoSessionScheduled),
            (Received, Step::ScheduleInterview, InterviewScheduled),
            (Received, Step::Accept, Accepted),
            (Received, Step::Refuse, Refused),
            (Received, Step::WaitList, WaitingList),
            (Received, Step::Withdraw, Withdrawn),
            (
                InfoSessionScheduled,
                Step::ScheduleInterview,
                InterviewScheduled,
            ),
            (
                InfoSessionScheduled,
                Step::ScheduleInfoSession,
                InfoSessionScheduled,
            ),
            (InfoSessionScheduled, Step::Accept, Accepted),
            (InfoSessionScheduled, Step::Refuse, Refused),
            (InfoSessionScheduled, Step::WaitList, WaitingList),
            (InfoSessionScheduled, Step::Withdraw, Withdrawn),
            (
                InterviewScheduled,
                Step::ScheduleInterview,
                InterviewScheduled,
            ),
            (
                InterviewScheduled,
                Step::ScheduleInfoSession,
                InfoSessionScheduled,
            ),
            (InterviewScheduled, Step::Accept, Accepted),
            (InterviewScheduled, Step::Refuse, Refused),
            (InterviewScheduled, Step::WaitList, WaitingList),
            (InterviewScheduled, Step::Withdraw, Withdrawn),
            (WaitingList, Step::Accept, Accepted),
            (WaitingList, Step::Refuse, Refused),
            (WaitingList, Step::Withdraw, Withdrawn),
            (Accepted, Step::Enter, Entered),
            (Accepted, Step::NotEnter, NotEntered),
            (Entered, Step::Complete, Completed),
            (Entered, Step::DropOut, DroppedOut),
        ];
        for status in Status::ALL {
            for step in Step::ALL {
                let expected = allowed
                    .iter()
                    .find(|(from, s, _)| from == status && s == step)
                    .map(|(_, _, to)| *to);
                match (status.after(*step), expected) {
                    (Ok(next), Some(to)) => assert_eq!(next, to, "{status:?} {step:?}"),
                    (Err(e), None) => assert!(e.message().contains("n’est pas possible")),
                    (got, want) => panic!("{status:?} + {step:?}: got {got:?}, want {want:?}"),
                }
            }
        }
        // Closed states accept nothing.
        for closed in [Refused, NotEntered, Completed, DroppedOut, Withdrawn] {
            assert!(closed.is_closed());
            assert!(closed.steps(Side::Centre).is_empty());
            assert!(closed.steps(Side::Prescriber).is_empty());
        }
    }
}
