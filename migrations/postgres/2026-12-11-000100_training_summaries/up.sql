-- A training known only by an lheo-index summary (`resume-offre`): shown as such until the
-- full LHÉO record arrives; `summary_href` is where the full record can be fetched.
ALTER TABLE trainings ADD COLUMN is_summary BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE trainings ADD COLUMN summary_href TEXT;
