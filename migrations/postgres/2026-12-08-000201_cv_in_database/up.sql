-- A CV is a stored file named by its profile (candidate_profiles.cv_file holds its id): the
-- file goes in the same transaction as the profile that drops it, whoever deletes the profile
-- (erasure, retention purge, an account deleted with its profile) or replaces the CV.
CREATE FUNCTION candidate_profiles_cv_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM stored_files WHERE id = OLD.cv_file;
    RETURN NULL;
END $$;

CREATE TRIGGER candidate_profiles_cv_deleted AFTER DELETE ON candidate_profiles FOR EACH ROW
    WHEN (OLD.cv_file IS NOT NULL)
    EXECUTE FUNCTION candidate_profiles_cv_gone();
CREATE TRIGGER candidate_profiles_cv_replaced AFTER UPDATE OF cv_file ON candidate_profiles FOR EACH ROW
    WHEN (OLD.cv_file IS NOT NULL AND OLD.cv_file IS DISTINCT FROM NEW.cv_file)
    EXECUTE FUNCTION candidate_profiles_cv_gone();
