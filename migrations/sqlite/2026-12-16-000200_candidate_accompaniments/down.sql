DROP TABLE candidate_accompaniments;
