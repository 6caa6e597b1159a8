-- Indexes for the dashboards and annex tables (periods filter on creation times; the
-- columns grouped on come with them so that the index alone answers).
CREATE INDEX offers_created_department_status ON offers (created_at, department, status);
CREATE INDEX offers_created_rome ON offers (created_at, rome_code);
CREATE INDEX applications_created_offer ON applications (created_at, offer_id);
CREATE INDEX users_role_created ON users (role, created_at);
