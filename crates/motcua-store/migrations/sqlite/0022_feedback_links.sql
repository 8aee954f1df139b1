-- What a feedback case is linked to (issue 17): the dossier it is about (a PAKN on a dossier
-- lowers that dossier's Decision 766 indicator 5.4, counted in SQL with the dossiers), and the
-- officer a conduct finding names (Circular 01/2018 indicator 7).
alter table feedback_cases add column dossier_id blob;
alter table feedback_cases add column officer_id blob;
create index feedback_cases_dossier on feedback_cases (agency_id, dossier_id);
