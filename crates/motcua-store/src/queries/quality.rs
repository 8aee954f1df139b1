//! [`crate::QualityStore`] on both backends: facts, report counts, evaluations, snapshots, survey.

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use crate::prelude::*;

/// A dossier (`dossier_facts`) whose fees were paid through an online provider (Decision 766
/// indicators 3.5 and 3.6).
pub(crate) const PAID_ONLINE: &str = "select 1 from payment_requests pr join payment_attempts pa
      on pa.agency_id = pr.agency_id and pa.request_id = pr.id
    where pr.agency_id = dossier_facts.agency_id and pr.dossier_id = dossier_facts.dossier_id and pr.state = 'paid'
      and pa.state = 'succeeded' and pa.provider in ('vnpay', 'platform', 'vietqr')";

macro_rules! impl_quality {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl crate::QualityStore for $store {
            async fn facts(
                &self,
                agencies: &[Uuid],
                start: NaiveDateTime,
                end: NaiveDateTime,
                received_only: bool,
            ) -> crate::Result<Vec<motcua_domain::dossier::DossierFacts>> {
                let (source, args) = facts_source(agencies, start, end, received_only, FACT_COLUMNS);
                let sql = format!("select {FACT_COLUMNS} from {source}");
                let rows: Vec<FactsRow> =
                    bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &args).fetch_all(&self.pool).await?;
                rows.into_iter().map(facts_from).collect()
            }

            async fn report06_counts(
                &self,
                agencies: &[Uuid],
                start: NaiveDateTime,
                end: NaiveDateTime,
            ) -> crate::Result<Vec<crate::PlacementCount>> {
                // The day counts of the finished dossiers and the facts of those open at the
                // cut-off (see `queries/report06.rs`).
                let plan = report06::Plan::new(agencies, start, end);
                let mut tally = report06::Tally::default();
                for (sql, args) in plan.days.iter().chain(&plan.edges) {
                    let rows: Vec<(String, String, String, String, String, i64)> =
                        bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())), args).fetch_all(&self.pool).await?;
                    tally.add_finished(rows);
                }
                let (sql, args) = &plan.open;
                let rows: Vec<(String, String, String, String, String, String, i64)> =
                    bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())), args).fetch_all(&self.pool).await?;
                tally.add_open(rows);
                Ok(tally.placements())
            }

            async fn report06_facts(
                &self,
                agencies: &[Uuid],
                (start, end): (NaiveDateTime, NaiveDateTime),
                placements: &[&str],
                (field, unit): (Option<&str>, Option<&str>),
                limit: i64,
            ) -> crate::Result<Vec<motcua_domain::dossier::DossierFacts>> {
                let columns = format!("{FACT_COLUMNS}, due_day_start, first_request_at, first_received_at, second_request_at");
                let (source, mut args) = facts_source(agencies, start, end, false, &columns);
                // The window's start and end are the source's last two arguments.
                let (received, outcome) = placement_sql(args.len() - 1, args.len());
                let mut conditions = Vec::new();
                if let Some(field) = field {
                    args.push(Arg::Text(field.to_owned()));
                    conditions.push(format!(" and field = ${}", args.len()));
                }
                if let Some(unit) = unit {
                    args.push(Arg::Text(unit.to_owned()));
                    conditions.push(format!(" and coalesce(unit, '') = ${}", args.len()));
                }
                let names: Vec<String> = placements.iter().map(|p| format!("'{}'", p.replace('\'', ""))).collect();
                let names = if names.is_empty() { "''".to_owned() } else { names.join(", ") };
                let sql = format!(
                    "select {FACT_COLUMNS} from {source} where ({received} in ({names}) or {outcome} in ({names})){}
                     order by due_at, dossier_id limit ${}",
                    conditions.concat(),
                    args.len() + 1
                );
                let rows: Vec<FactsRow> = bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &args)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(facts_from).collect()
            }

            async fn index766_tally(
                &self,
                agencies: &[Uuid],
                start: NaiveDateTime,
                end: NaiveDateTime,
            ) -> crate::Result<motcua_quality::index766::DossierTally> {
                let columns = format!("agency_id, dossier_id, procedure_code, result_electronic, documents_digitised, fees, {PLACEMENT_COLUMNS}");
                let (source, args) = facts_source(agencies, start, end, true, &columns);
                let (_, outcome) = placement_sql(args.len() - 1, args.len());
                let e = args.len();
                let late = format!("{outcome} in ('late', 'overdue')");
                // Not satisfied: evaluated so, or the subject of a PAKN (`vn-regulatory.md` §3.2).
                let unhappy = "(ev.overall = 'not_satisfied' or exists (select 1 from feedback_cases fc
                      where fc.agency_id = dossier_facts.agency_id and fc.dossier_id = dossier_facts.dossier_id
                        and fc.kind in ('regulation', 'conduct')))";
                let finished = format!("dossier_facts.finished_at is not null and dossier_facts.finished_at < ${e}");
                // One pass, by procedure: a few hundred rows however many dossiers, added up here;
                // the procedures with an online dossier come with them (3.2).
                let sql = format!(
                    "select procedure_code, count(*),
                       coalesce(sum(case when {late} then 1 else 0 end), 0),
                       coalesce(sum(case when dossier_facts.channel = 'online' then 1 else 0 end), 0),
                       coalesce(sum(case when {finished} then 1 else 0 end), 0),
                       coalesce(sum(case when {finished} and result_electronic then 1 else 0 end), 0),
                       coalesce(sum(case when documents_digitised then 1 else 0 end), 0),
                       coalesce(sum(case when {unhappy} then 1 else 0 end), 0),
                       coalesce(sum(case when not ({late}) and not coalesce({unhappy}, false) then 1 else 0 end), 0),
                       coalesce(sum(case when exists (select 1 from deliveries sync
                           where sync.agency_id = dossier_facts.agency_id and sync.dossier_id = dossier_facts.dossier_id
                             and sync.channel = 'portal' and sync.status = 'delivered') then 1 else 0 end), 0),
                       coalesce(sum(case when fees > 0 then 1 else 0 end), 0),
                       coalesce(sum(case when fees > 0 and exists ({PAID_ONLINE}) then 1 else 0 end), 0)
                     from {source}
                     left join evaluations ev on ev.agency_id = dossier_facts.agency_id and ev.dossier_id = dossier_facts.dossier_id
                     group by procedure_code"
                );
                type Row = (String, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64);
                let rows: Vec<Row> =
                    bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &args).fetch_all(&self.pool).await?;
                let n = |v: i64| u64::try_from(v).unwrap_or(0);
                let mut tally = motcua_quality::index766::DossierTally::default();
                for (code, received, overdue, online, finished, finished_electronic, digitised, dissatisfied, neither, synced, with_fees, paid_online) in rows {
                    tally.with_fees += n(with_fees);
                    tally.paid_online += n(paid_online);
                    if paid_online > 0 {
                        tally.paid_online_codes.insert(code.clone());
                    }
                    tally.synced += n(synced);
                    tally.received += n(received);
                    tally.overdue += n(overdue);
                    tally.online += n(online);
                    tally.finished += n(finished);
                    tally.finished_electronic += n(finished_electronic);
                    tally.digitised += n(digitised);
                    tally.dissatisfied += n(dissatisfied);
                    tally.neither += n(neither);
                    if online > 0 {
                        tally.online_codes.insert(code);
                    }
                }
                Ok(tally)
            }

            async fn save_evaluation(&self, e: &motcua_domain::evaluation::Evaluation) -> crate::Result<()> {
                sqlx::query(
                    "insert into evaluations (dossier_id, agency_id, overall, answers, comment, channel, created_at, updated_at)
                     values ($1, $2, $3, $4, $5, $6, $7, $8)
                     on conflict (agency_id, dossier_id) do update set overall = excluded.overall, answers = excluded.answers,
                       comment = excluded.comment, channel = excluded.channel, updated_at = excluded.updated_at",
                )
                .bind(e.dossier_id)
                .bind(e.agency_id)
                .bind(e.overall.as_str())
                .bind(serde_json::to_string(&e.answers)?)
                .bind(&e.comment)
                .bind(&e.channel)
                .bind(e.created_at)
                .bind(e.updated_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn evaluation(
                &self,
                agency_id: Uuid,
                dossier_id: Uuid,
            ) -> crate::Result<Option<motcua_domain::evaluation::Evaluation>> {
                let row: Option<EvaluationRow> =
                    sqlx::query_as(concat!(evaluation_columns!(), " where e.agency_id = $1 and e.dossier_id = $2"))
                .bind(agency_id)
                .bind(dossier_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(evaluation_from).transpose()
            }

            async fn evaluations(
                &self,
                agencies: &[Uuid],
                start: NaiveDateTime,
                end: NaiveDateTime,
                received_only: bool,
            ) -> crate::Result<Vec<motcua_domain::evaluation::Evaluation>> {
                let (source, args) = facts_source(agencies, start, end, received_only, "agency_id, dossier_id");
                let sql = format!(
                    "{} where (e.agency_id, e.dossier_id) in (select agency_id, dossier_id from {source})",
                    evaluation_columns!(),
                );
                let rows: Vec<EvaluationRow> =
                    bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &args).fetch_all(&self.pool).await?;
                rows.into_iter().map(evaluation_from).collect()
            }

            async fn insert_report_snapshot(
                &self,
                agency_id: Uuid,
                kind: &str,
                period: &str,
                made_by: Option<Uuid>,
                made_at: NaiveDateTime,
                data: &serde_json::Value,
            ) -> crate::Result<Uuid> {
                let id = Uuid::now_v7();
                sqlx::query(
                    "insert into report_snapshots (id, agency_id, kind, period, made_by, made_at, data)
                     values ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id)
                .bind(agency_id)
                .bind(kind)
                .bind(period)
                .bind(made_by)
                .bind(made_at)
                .bind(serde_json::to_string(data)?)
                .execute(&self.pool)
                .await?;
                Ok(id)
            }

            async fn report_snapshots(
                &self,
                agency_id: Uuid,
                kind: &str,
                period: &str,
            ) -> crate::Result<Vec<(Uuid, NaiveDateTime, String)>> {
                let rows: Vec<(Uuid, NaiveDateTime, Option<String>)> = sqlx::query_as(
                    "select s.id, s.made_at, u.full_name from report_snapshots s left join users u on u.id = s.made_by
                     where s.agency_id = $1 and s.kind = $2 and s.period = $3 order by s.made_at desc, s.id desc",
                )
                .bind(agency_id)
                .bind(kind)
                .bind(period)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|(id, at, by)| (id, at, by.unwrap_or_else(|| "Tự động".into()))).collect())
            }

            async fn report_snapshot(
                &self,
                id: Uuid,
            ) -> crate::Result<Option<(Uuid, String, String, NaiveDateTime, serde_json::Value)>> {
                let row: Option<(Uuid, String, String, NaiveDateTime, String)> =
                    sqlx::query_as("select agency_id, kind, period, made_at, data from report_snapshots where id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(|(a, k, p, at, data)| Ok((a, k, p, at, serde_json::from_str(&data)?))).transpose()
            }

            async fn insert_survey_response(&self, r: &crate::SurveyResponse) -> crate::Result<()> {
                sqlx::query(
                    "insert into survey_responses (id, agency_id, survey, channel, answers, expectations, created_at)
                     values ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(r.id)
                .bind(r.agency_id)
                .bind(&r.survey)
                .bind(&r.channel)
                .bind(serde_json::to_string(&r.answers)?)
                .bind(serde_json::to_string(&r.expectations)?)
                .bind(r.created_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn survey_responses(
                &self,
                agency_id: Uuid,
                start: NaiveDateTime,
                end: NaiveDateTime,
            ) -> crate::Result<Vec<crate::SurveyResponse>> {
                let rows: Vec<(Uuid, Uuid, String, String, String, String, NaiveDateTime)> = sqlx::query_as(
                    "select id, agency_id, survey, channel, answers, expectations, created_at from survey_responses
                     where agency_id = $1 and created_at >= $2 and created_at < $3 order by created_at, id",
                )
                .bind(agency_id)
                .bind(start)
                .bind(end)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(id, agency_id, survey, channel, answers, expectations, created_at)| {
                        Ok(crate::SurveyResponse {
                            id,
                            agency_id,
                            survey,
                            channel,
                            answers: serde_json::from_str(&answers)?,
                            expectations: serde_json::from_str(&expectations)?,
                            created_at,
                        })
                    })
                    .collect()
            }
        }
    };
}

impl_quality!(SqliteStore);
impl_quality!(PgStore);
