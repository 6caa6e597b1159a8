DROP TABLE offers;
DROP TABLE delegations;
