DROP INDEX users_role_created;
DROP INDEX applications_created_offer;
DROP INDEX offers_created_rome;
DROP INDEX offers_created_department_status;
