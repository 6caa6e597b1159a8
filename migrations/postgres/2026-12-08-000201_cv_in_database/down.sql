DROP TRIGGER candidate_profiles_cv_replaced ON candidate_profiles;
DROP TRIGGER candidate_profiles_cv_deleted ON candidate_profiles;
DROP FUNCTION candidate_profiles_cv_gone();
